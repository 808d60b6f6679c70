"""The brand, its stores, who manages them and the stylists who work for them.

Staff profiles live here rather than in ``scheduling/``: they say who works for which store and with
which skills; ``scheduling/`` will own *when* they work and reads profiles through this service.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel


class Brand(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    name_ja: str = Field(max_length=100)
    name_en: str = Field(max_length=100)


class StoreBase(SQLModel):
    slug: str = Field(max_length=40, unique=True)
    name_ja: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    address_ja: str = Field(max_length=200)
    address_en: str = Field(max_length=200)
    time_zone: str = Field(default="Asia/Tokyo", max_length=64)
    phone_e164: str = Field(max_length=16)


class Store(StoreBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")


class StorePublic(StoreBase):
    id: int
    brand_id: int


class StoreManager(SQLModel, table=True):
    __tablename__ = "store_manager"

    store_id: int = Field(
        sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
        )
    )


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return message


class Skill:
    """The skills a stylist can be booked for (stored as plain strings)."""

    ALL: tuple[str, ...] = ("womenswear", "menswear", "formal", "fit", "kids")
    LABELS: dict[str, str] = {  # noqa: RUF012
        "womenswear": N_("Womenswear"),
        "menswear": N_("Menswear"),
        "formal": N_("Formal wear"),
        "fit": N_("Fit and alterations"),
        "kids": N_("Kidswear"),
    }


class StaffProfile(SQLModel, table=True):
    __tablename__ = "staff_profile"

    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    home_store_id: int = Field(foreign_key="store.id", index=True)
    works_remotely: bool = False
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    bio_ja: str = Field(default="", max_length=500)
    bio_en: str = Field(default="", max_length=500)
