import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, within } from '@testing-library/react'
import { mockFetch, renderWithProviders } from '../../test-utils'
import type { Session } from '../../lib/session'
import { SessionContext } from '../../lib/session'
import { StreetPanel, YearPanel } from './FundingPage'

function asRole(role: Session['role'], ui: React.ReactElement) {
  return <SessionContext.Provider value={{ role, sub: 'u1' } as Session}>{ui}</SessionContext.Provider>
}

const streets = { items: [
  { code: 's1', name: '东街道', kind: 'street', created_at: '2026-01-01T00:00:00Z' },
  { code: 's2', name: '西街道', kind: 'street', created_at: '2026-01-01T00:00:00Z' },
  { code: 's3', name: '南乡', kind: 'township', created_at: '2026-01-01T00:00:00Z' },
], next_cursor: null }

const money = { paid_fen: 1_000_000, repaid_fen: 0, recovery_due_fen: 0 }

// As funding's YearFunding gives it (services/funding/fc_funding/entrypoints/schemas.py), ranking not in rank order.
const year2026 = {
  year: 2026, closed: false, budget_fen: 50_000_000_000, income_fen: 0, approved_fen: 2_000_000, committed_fen: 1_000_000,
  recovered_fen: 0, offset_fen: 0, remaining_fen: 49_999_000_000, by_kind: { payment: 1_000_000 }, ...money,
  assessment: [
    { month: '2026-01', street_code: 's2', rank: 1, score: '95.00' },
    { month: '2026-01', street_code: 's1', rank: 2, score: '90.00' },
    { month: '2026-02', street_code: 's1', rank: 1, score: '93.50' },
  ],
  annual_assessment: { year: 2026, bulletin_months: ['2026-01', '2026-02'], ranking: [
    { street_code: 's3', rank: 3, average_score: 40, best_rank: 3, months: { '2026-01': 80 } },
    { street_code: 's1', rank: 1, average_score: 91.75, best_rank: 1, months: { '2026-01': 90, '2026-02': 93.5 } },
    { street_code: 's2', rank: 2, average_score: 47.5, best_rank: 1, months: { '2026-01': 95 } },
  ] },
}

const streetS1 = {
  street_code: 's1', projects: 2, award_fen: 2_000_000, entitlement_fen: 2_000_000, street_borne_fen: 0,
  eligible_expenditure_fen: 1_500_000, ...money,
  assessment: [{ month: '2025-12', street_code: 's1', rank: 4, score: '70.00' }, { month: '2026-01', street_code: 's1', rank: 2, score: '90.00' }],
  annual_assessments: [
    { year: 2025, bulletin_months: ['2025-11', '2025-12'], rank: 4, average_score: 66.25, best_rank: 3, months: { '2025-11': 62.5, '2025-12': 70 } },
    { year: 2026, bulletin_months: ['2026-01', '2026-02'], rank: 1, average_score: 91.75, best_rank: 1, months: { '2026-01': 90, '2026-02': 93.5 } },
  ],
}

const headers = (table: HTMLElement) => within(table).getAllByRole('columnheader').map((h) => h.textContent)
const rows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent))

describe("the funding page shows the annual assessment (年度考核) beside the money (issue 14)", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("lists the year's ranking in rank order with average score, best rank and the published months", async () => {
    mockFetch({
      'GET /api/funding/api/v1/years/2026/funding': { json: year2026 },
      'GET /api/registry/api/v1/streets': { json: streets },
    })
    renderWithProviders(asRole('district_office', <YearPanel year={2026} />))
    expect(await screen.findByText('2026 年度考核')).toBeInTheDocument()
    expect(screen.getByTestId('year-budget')).toHaveTextContent('50,000.00 万元') // the money is still there
    expect(screen.getByTestId('year-bulletin-months')).toHaveTextContent('已发布月数：2（1月、2月）')
    const table = within(screen.getByTestId('year-annual-assessment')).getByRole('table')
    expect(headers(table)).toEqual(['排名', '街道/乡镇', '平均得分', '最好名次', '各月得分'])
    await within(table).findByText('东街道')
    expect(rows(table)).toEqual([
      ['1', '东街道', '91.75', '1', '1月 90.00、2月 93.50'],
      ['2', '西街道', '47.50', '1', '1月 95.00'],
      ['3', '南乡', '40.00', '3', '1月 80.00'],
    ])
  })

  it("says so when the year has no published bulletin yet", async () => {
    mockFetch({
      'GET /api/funding/api/v1/years/2027/funding': { json: { ...year2026, year: 2027, assessment: [],
        annual_assessment: { year: 2027, bulletin_months: [], ranking: [] } } },
      'GET /api/registry/api/v1/streets': { json: streets },
    })
    renderWithProviders(asRole('district_office', <YearPanel year={2027} />))
    expect(await screen.findByText('2027 年度考核')).toBeInTheDocument()
    expect(screen.getByTestId('year-bulletin-months')).toHaveTextContent(/^已发布月数：0$/)
    expect(screen.getByText('本年尚无已发布的评价通报')).toBeInTheDocument()
  })

  it("shows the street's annual assessment one row a year, oldest first, beside its money", async () => {
    mockFetch({
      'GET /api/funding/api/v1/streets/s1/funding': { json: streetS1 },
      'GET /api/registry/api/v1/streets': { json: streets },
    })
    renderWithProviders(asRole('street', <StreetPanel code="s1" />))
    expect(await screen.findByText('年度考核')).toBeInTheDocument()
    expect(screen.getByTestId('street-paid')).toHaveTextContent('1.00 万元')
    expect(await screen.findByText('东街道 资金情况')).toBeInTheDocument()
    const table = within(screen.getByTestId('street-annual-assessments')).getByRole('table')
    expect(headers(table)).toEqual(['年度', '排名', '平均得分', '最好名次', '已发布月数', '各月得分'])
    expect(rows(table)).toEqual([
      ['2025', '4', '66.25', '3', '2', '11月 62.50、12月 70.00'],
      ['2026', '1', '91.75', '1', '2', '1月 90.00、2月 93.50'],
    ])
  })
})
