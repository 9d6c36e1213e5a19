"""The sample district loads through the public API of a real registry process, and a second run adds nothing."""
from datetime import date

import httpx
import pytest

from fc_devtools.testing import TEST_SECRET, TEST_TODAY, ServiceProcess, auth, migrate



@pytest.mark.calendar
def test_sample_data_loads_once_through_the_api(platform_env, tmp_path):
    import importlib.util
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[4]
    spec = importlib.util.spec_from_file_location("sample_data", root / "tools" / "sample_data.py")
    sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sample)
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    migrate(root / "services" / "registry", url)
    proc = ServiceProcess("registry", "fc_registry.main", {**platform_env, "REGISTRY_DATABASE_URL": url,
                                                           "FC_DATA_DIR": str(tmp_path)}, tmp_path)
    proc.start()
    try:
        first = sample.load({"registry": proc.url}, TEST_SECRET, TEST_TODAY)
        assert first["streets"] == 8 and first["projects"] == 17
        again = sample.load({"registry": proc.url}, TEST_SECRET, TEST_TODAY)
        assert again["projects"] == 0 and again["streets"] == 0
        office = auth("district_office")
        projects = httpx.get(f"{proc.url}/api/v1/projects", params={"limit": 100}, headers=office).json()["items"]
        assert len(projects) == 17 and all(p["name"].startswith("样例") for p in projects)
        assert {p["state"] for p in projects} == {"draft", "applied", "selected", "rejected", "submitted", "approved"}
        assert any(p["creation_deadline"] and date.fromisoformat(p["creation_deadline"]) < TEST_TODAY for p in projects)
    finally:
        proc.stop()
