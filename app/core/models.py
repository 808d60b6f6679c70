"""Import every domain's tables so SQLModel.metadata is complete (Alembic and tests use it)."""

from sqlmodel import SQLModel

from app.access import models as access_models
from app.accounts import models as accounts_models
from app.booking import models as booking_models
from app.chat import models as chat_models
from app.consultation import models as consultation_models
from app.customer import models as customer_models
from app.notices import models as notices_models
from app.scheduling import models as scheduling_models
from app.store import models as store_models
from app.wardrobe import models as wardrobe_models

metadata = SQLModel.metadata

__all__ = [
    "access_models",
    "accounts_models",
    "booking_models",
    "chat_models",
    "consultation_models",
    "customer_models",
    "metadata",
    "notices_models",
    "scheduling_models",
    "store_models",
    "wardrobe_models",
]
