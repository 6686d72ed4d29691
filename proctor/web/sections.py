"""The FastAPI guide's sections: challenges name them by number, pages show them by title."""

from __future__ import annotations

import re

SECTION_TITLES: dict[int, str] = {
    1: "What is FastAPI?", 2: "What is FastAPI built on?", 3: "Why FastAPI is fast", 4: "WSGI vs ASGI",
    5: "Request–response lifecycle", 6: "Route definitions", 7: "Types of request parameters",
    8: "Path vs query parameters", 9: "Pydantic in FastAPI", 10: "Validation & error handling",
    11: "Response models & serialization", 12: "Dependency injection", 13: "DB connection handling",
    14: "Middleware", 15: "Dependency vs middleware", 16: "async def vs def", 17: "Background tasks",
    18: "WebSockets", 19: "Authentication & security", 20: "CORS", 21: "Testing FastAPI applications",
    22: "Docker", 23: "Deployment", 24: "Best practices", 25: "Scalability & performance",
    26: "The complete mental model",
}


def section_title(number: int) -> str:
    return SECTION_TITLES.get(number, f"Section {number}")


def guide_link(guide_url: str, number: int) -> str:
    """A link to the section in the guide, or to the catalog filtered on it when no guide URL is set."""
    if not guide_url:
        return f"/?topic={number}"
    slug = re.sub(r"[^a-z0-9 -]", "", f"{number}. {section_title(number)}".lower()).replace(" ", "-")
    return f"{guide_url}#{slug}"
