from fc_registry.adapters.tables import metadata
from fc_registry.settings import RegistrySettings
from fc_shared.migrations import run_migrations

run_migrations(metadata, RegistrySettings().db_url)
