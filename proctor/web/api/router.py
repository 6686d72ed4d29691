"""The JSON API, version 1: every resource router, assembled in one place."""

from fastapi import APIRouter

from proctor.web.api import challenges, submissions, tokens
from proctor.web.api.responses import COMMON

api_router = APIRouter(responses=COMMON)
api_router.include_router(challenges.router)
api_router.include_router(submissions.router)
api_router.include_router(tokens.router)
