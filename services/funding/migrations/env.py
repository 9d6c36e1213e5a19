from fc_funding.adapters.tables import metadata
from fc_funding.settings import FundingSettings
from fc_shared.migrations import run_migrations

run_migrations(metadata, FundingSettings().db_url)
