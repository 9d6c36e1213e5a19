from fc_notify.adapters.tables import metadata
from fc_notify.settings import NotifySettings
from fc_shared.migrations import run_migrations

run_migrations(metadata, NotifySettings().db_url)
