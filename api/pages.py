"""Pagination shared by every list endpoint."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

__all__ = ["LimitQuery", "OffsetQuery", "Page"]

T = TypeVar("T")

OffsetQuery = Annotated[int, Query(ge=0, description="Items to skip.")]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total number of items that match."""

    items: list[T]
    total: int
    offset: int
    limit: int
