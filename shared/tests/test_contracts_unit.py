from fc_shared.contracts import ProjectSnapshot, eligible_expenditure_fen


def test_only_the_three_categories_are_eligible():
    assert eligible_expenditure_fen({"consulting_design": 1, "construction": 20, "equipment": 300, "catering": 4000}) == 321
    assert eligible_expenditure_fen({}) == 0


def test_snapshot_parses_event_data_and_ignores_extras():
    snap = ProjectSnapshot.from_event_data({
        "project_id": "p", "name": "n", "street_code": "S01", "type": "renovation", "target_level": "city",
        "state": "approved", "community_ids": ["c"], "approved_on": "2024-02-29", "creation_deadline": "2025-02-28",
        "task_year": 2025, "note": "extra"})
    assert snap.creation_deadline.isoformat() == "2025-02-28" and snap.accepted_level is None
