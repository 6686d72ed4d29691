"""The JSON API, version 1: every resource router, assembled in one place."""

from fastapi import APIRouter

from proctor.web.api import challenges, submissions

api_router = APIRouter()
api_router.include_router(challenges.router)
api_router.include_router(submissions.router)
