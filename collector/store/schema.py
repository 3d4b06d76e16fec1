"""Every relational model module, imported explicitly: the metadata Alembic compares against.

An area with tables of its own (alerting, SNMP ...) keeps them in its own module, built on
``collector.store.models.Base``, adds one import line here, and adds an Alembic revision
under ``migrations/versions`` (branches from ``0001`` are fine: migrations run to all heads).
"""

from __future__ import annotations

from sqlalchemy import MetaData

from collector.alerting import models as alerting_models
from collector.customers import models as customer_models
from collector.functions import models as functions_models
from collector.helpdesk import models as helpdesk_models
from collector.ingest import refusals as refusal_models
from collector.kb import models as kb_models
from collector.notify import models as notify_models
from collector.signin import models as signin_models
from collector.snmp import models as snmp_models
from collector.store import models
from collector.troubleshooting import models as troubleshooting_models

MODEL_MODULES = (
    models,
    alerting_models,
    notify_models,
    functions_models,
    snmp_models,
    helpdesk_models,
    signin_models,
    refusal_models,
    kb_models,
    troubleshooting_models,
    customer_models,
)

metadata: MetaData = models.Base.metadata
