"""``WS /realtime``: placeholder until the streaming converter lands (see below)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["realtime"])
