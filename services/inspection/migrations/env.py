from fc_inspection.adapters.tables import metadata
from fc_inspection.settings import InspectionSettings
from fc_shared.migrations import run_migrations

run_migrations(metadata, InspectionSettings().db_url)
