"""Reversals (冲销) of each entry kind keep cash at the street − recovery still owed = the entitlement
(rules.settle_reversal says what each means), and year/street views attribute every repayment and netting
to the recovery it settled, so no year's or street's recovery due goes negative."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from fc_devtools.testing import app_client

CNY = 100
M = 1_000_000 * CNY  # 1,000,000 CNY in fen


async def _funding(client, kit, project_id):
    r = await client.get(f"/api/v1/projects/{project_id}/funding", headers=kit.FINANCE)
    assert r.status_code == 200, r.text
    return r.json()


def _holds(f) -> int:
    return f["paid_fen"] - f["repaid_fen"] - f["recovery_due_fen"]


async def _reverse(client, kit, entry_id, reason="冲销", expect=201):
    r = await client.post(f"/api/v1/entries/{entry_id}/reversal", json={"reason": reason}, headers=kit.FINANCE)
    assert r.status_code == expect, r.text
    return r.json()


async def _repay(client, kit, project_id, amount, on, reference):
    r = await client.post(f"/api/v1/projects/{project_id}/repayments", headers=kit.FINANCE,
                          json={"amount_fen": amount, "repaid_on": on, "reference": reference})
    assert r.status_code == 201, r.text
    return r.json()


def _one(f, kind, **where):
    found = [e for e in f["entries"] if e["kind"] == kind and e["reverses_entry_id"] is None
             and all(e[k] == v for k, v in where.items())]
    assert len(found) == 1, (kind, where, f["entries"])
    return found[0]


async def test_a_reversed_repayment_makes_the_recovery_owed_again(funding_app, kit):
    app = funding_app(run_workers=False)
    p = kit.new_id("rrep")
    async with app_client(app) as client:
        # Worked example 6: interim 7,000,000, city with E = 2,000,000 → entitlement 6,000,000, recovery 1,000,000.
        await kit.handle(app, kit.approved(p), kit.year_end(p), kit.passed(p, "city", 2_000_000))
        repayment = await _repay(client, kit, p, 400_000 * CNY, "2021-07-01", "JK-1")
        f = await _funding(client, kit, p)
        assert (f["repaid_fen"], f["recovery_due_fen"], _holds(f)) == (400_000 * CNY, 600_000 * CNY, 6 * M)
        rev = await _reverse(client, kit, repayment["id"], "凭证作废")
        assert (rev["kind"], rev["amount_fen"], rev["reference"]) == ("repayment", -400_000 * CNY, "JK-1")
        f = await _funding(client, kit, p)
        assert (f["paid_fen"], f["repaid_fen"], f["recovery_due_fen"], _holds(f)) == (7 * M, 0, 1 * M, 6 * M)
        # The recovery is still refused as a reversal; the right voucher then settles it.
        await _reverse(client, kit, _one(f, "recovery")["id"], expect=409)
        await _repay(client, kit, p, 1 * M, "2021-08-01", "JK-2")
        f = await _funding(client, kit, p)
        assert (f["repaid_fen"], f["recovery_due_fen"], _holds(f)) == (1 * M, 0, 6 * M)


async def test_a_reversed_netting_is_paid_out_and_the_recovery_is_owed_again(funding_app, kit):
    """A street repaid through the bank before the netting was booked: finance reverses the netting (the netted
    part is paid out), then records the repayment; the street ends at its entitlement, owing nothing."""
    app = funding_app(run_workers=False)
    p = kit.new_id("roff")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(p), kit.year_end(p), kit.passed(p, "city", 2_000_000),
                         kit.passed(p, "province", 12_000_000, decided_on="2022-05-01"))
        f = await _funding(client, kit, p)
        offset = _one(f, "offset")
        assert (offset["amount_fen"], f["entitlement_fen"], f["recovery_due_fen"], _holds(f)) == (
            1 * M, 12 * M, 0, 12 * M)
        rev = await _reverse(client, kit, offset["id"], "街道已于抵扣前缴还")
        assert (rev["kind"], rev["amount_fen"]) == ("offset", -1 * M)
        f = await _funding(client, kit, p)
        paid_out = _one(f, "disbursement", basis=f"after-reversal:{offset['id']}")
        assert paid_out["amount_fen"] == 1 * M and "街道已于抵扣前缴还" in paid_out["reason"]
        assert (f["paid_fen"], f["recovery_due_fen"], _holds(f)) == (13 * M, 1 * M, 12 * M)
        await _repay(client, kit, p, 1 * M, "2021-09-01", "JK-BANK")
        f = await _funding(client, kit, p)
        assert (f["paid_fen"] - f["repaid_fen"], f["recovery_due_fen"], _holds(f)) == (12 * M, 0, 12 * M)

        # The ledger's spreadsheet shows the reversal and what followed it, kinds in Chinese.
        x = await client.get(f"/api/v1/ledger.xlsx?project_id={p}", headers=kit.FINANCE)
        assert x.status_code == 200
        sheet = load_workbook(io.BytesIO(x.content)).active
        header = [c.value for c in sheet[1]]
        rows = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
        reversal = next(r for r in rows if r["冲销分录"] == offset["id"])
        assert (reversal["类别"], reversal["金额(分)"], reversal["冲销原因"]) == ("抵扣追回", -1 * M, "街道已于抵扣前缴还")
        follow = next(r for r in rows if r["依据"] == f"after-reversal:{offset['id']}")
        assert (follow["类别"], follow["金额(分)"]) == ("拨付", 1 * M)
        assert {"预拨(年末70%)", "追回", "抵扣追回", "拨付", "追回缴还", "核定"} <= {r["类别"] for r in rows}


async def test_a_reversed_payment_nets_what_is_owed_and_pays_the_rest_again(funding_app, kit):
    app = funding_app(run_workers=False)
    p, cancelled = kit.new_id("rpay"), kit.new_id("rcxl")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(p), kit.year_end(p), kit.passed(p, "city", 2_000_000))
        f = await _funding(client, kit, p)
        interim = _one(f, "interim")
        # The 7,000,000 interim came back from the bank: 1,000,000 of it was owed back anyway (netted), the
        # 6,000,000 the street is entitled to is paid again.
        await _reverse(client, kit, interim["id"], "退汇")
        f = await _funding(client, kit, p)
        after = [(e["kind"], e["amount_fen"]) for e in f["entries"] if e["basis"] == f"after-reversal:{interim['id']}"]
        assert after == [("offset", 1 * M), ("interim", 6 * M)]
        assert (f["paid_fen"], f["recovery_due_fen"], _holds(f)) == (6 * M, 0, 6 * M)
        # Nothing is owed now: no payment of this project is reversible any more (it would only be paid again).
        for e in f["entries"]:
            if e["reverses_entry_id"] is None and e["kind"] in ("interim", "disbursement", "reward", "recovery"):
                if e["id"] != interim["id"]:
                    await _reverse(client, kit, e["id"], expect=409)
        assert await _funding(client, kit, p) == f

        # A cancelled project: its netting stays (it is paid nothing).
        await kit.handle(app, kit.approved(cancelled), kit.year_end(cancelled),
                         kit.project_event("fc.project.cancelled", cancelled, state="cancelled", note="撤销创建"))
        c = await _funding(client, kit, cancelled)
        interim = _one(c, "interim")
        # The street repaid 3,000,000 of the advance: reversing the interim would pay that back to a cancelled
        # project, so it is refused until the repayment is reversed; then the interim nets in full.
        repayment = await _repay(client, kit, cancelled, 3 * M, "2021-04-01", "JK-C")
        refused = await _reverse(client, kit, interim["id"], "退汇", expect=409)
        assert "repayments" in refused["detail"]
        await _reverse(client, kit, repayment["id"], "退汇，缴还款退回街道")
        await _reverse(client, kit, interim["id"], "退汇")
        c = await _funding(client, kit, cancelled)
        after = [(e["kind"], e["amount_fen"]) for e in c["entries"] if e["basis"] == f"after-reversal:{interim['id']}"]
        assert after == [("offset", 7 * M)]
        assert (c["paid_fen"], c["recovery_due_fen"], _holds(c)) == (0, 0, 0)
        refused = await _reverse(client, kit, _one(c, "offset")["id"], expect=409)
        assert "cancelled" in refused["detail"]


async def test_a_repayment_in_a_later_year_lowers_the_recovery_of_its_own_year(funding_app, kit):
    app = funding_app(run_workers=False)
    p = kit.new_id("ryr")
    async with app_client(app) as client:
        # Interim of 2020, city acceptance on 2021-05-20 → a recovery of 1,000,000 booked in 2021.
        await kit.handle(app, kit.approved(p), kit.year_end(p), kit.passed(p, "city", 2_000_000))
        assert (await client.put("/api/v1/years/2021/budget", json={"budget_fen": 50 * M},
                                 headers=kit.FINANCE)).status_code == 200

        async def year(y):
            r = await client.get(f"/api/v1/years/{y}/funding", headers=kit.FINANCE)
            assert r.status_code == 200, r.text
            b = r.json()
            return b["recovered_fen"], b["repaid_fen"], b["offset_fen"], b["recovery_due_fen"]

        assert await year(2021) == (1 * M, 0, 0, 1 * M)
        late = await _repay(client, kit, p, 400_000 * CNY, "2022-03-01", "JK-2022")
        # Before: 2022 showed a recovery due of −400,000 (a repayment without its recovery).
        assert await year(2022) == (0, 0, 0, 0)
        assert await year(2021) == (1 * M, 400_000 * CNY, 0, 600_000 * CNY)
        y21 = (await client.get("/api/v1/years/2021/funding", headers=kit.FINANCE)).json()
        assert y21["remaining_fen"] == 50 * M - y21["paid_fen"] + 400_000 * CNY
        street = (await client.get("/api/v1/streets/S01/funding", headers=kit.FINANCE)).json()
        assert (street["repaid_fen"], street["recovery_due_fen"]) == (400_000 * CNY, 600_000 * CNY)

        # The province acceptance in 2023 nets the 600,000 still owed: counted with the 2021 recovery too.
        await kit.handle(app, kit.passed(p, "province", 12_000_000, decided_on="2023-05-01"))
        assert await year(2023) == (0, 0, 0, 0)
        assert await year(2021) == (1 * M, 400_000 * CNY, 600_000 * CNY, 0)
        # Reversing the late repayment gives back exactly what it settled (the netting stays where it was).
        await _reverse(client, kit, late["id"], "凭证作废")
        assert await year(2021) == (1 * M, 0, 600_000 * CNY, 400_000 * CNY)
        assert await year(2022) == (0, 0, 0, 0)
        f = await _funding(client, kit, p)
        assert f["recovery_due_fen"] == 400_000 * CNY and _holds(f) == f["entitlement_fen"] == 12 * M
        street = (await client.get("/api/v1/streets/S01/funding", headers=kit.FINANCE)).json()
        assert (street["repaid_fen"], street["recovery_due_fen"]) == (0, 400_000 * CNY)
