"""The warehouse's scanners. A scanner posts its receipts to the claims API itself
(`POST /api/parcels` with its own token); the panel only tells the staff how, and the parcels
it could not identify wait on the operators' dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.web.pages import render

router = APIRouter()


@router.get("/scanner", response_class=HTMLResponse)
async def scanner_help(request: Request) -> HTMLResponse:
    return render(request, "scanner.html")
