"""Column types shared by the domains."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import Field
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Store every instant as naive UTC, hand it back as an aware UTC datetime.

    SQLite has no time zone type; keeping both databases on naive UTC makes comparisons identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# Database ids are 32-bit on PostgreSQL; anything outside is a 4xx, not an overflow in the driver.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

# Days and instants people can mean here. Outside these, date arithmetic overflows
# (0001-01-01 minus a day, 9999-12-31 plus one) and PostgreSQL's range types misbehave: such
# input is a 422 naming the field, not a 500 deep inside a service.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


def utcnow() -> datetime:
    return datetime.now(UTC)
