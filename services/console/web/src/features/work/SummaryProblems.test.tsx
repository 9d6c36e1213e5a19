import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { mockFetch, renderWithProviders } from '../../test-utils'
import type { Session } from '../../lib/session'
import { SessionContext } from '../../lib/session'
import { fetchSummaryProblems, SummaryProblems } from './SummaryProblems'
import type { ProblemRow } from './SummaryProblems'
import { WorkPage } from './WorkPage'

const PROBLEMS = '/api/registry/api/v1/problems'
const problem = (id: string, over: Partial<ProblemRow> = {}): ProblemRow => ({
  id, street_code: 'S01', project_id: null, summary_id: 'sum1', source: 'summary', text: `问题${id}`,
  owner_department: 'housing', due_on: '2026-12-31', state: 'open', overdue: false, close_note: null, ...over })
const params = (url: string) => new URL(url, 'http://x').searchParams

/** Two pages of the street's problems and a third that must never be asked for. */
function pagedProblems() {
  return mockFetch({ [`GET ${PROBLEMS}`]: (s) => {
    const cursor = params(s.url).get('cursor')
    if (!cursor) return { json: { items: [problem('a', { summary_id: 'other' }), problem('p1', { due_on: '2026-01-15', overdue: true })], next_cursor: 'c2' } }
    if (cursor === 'c2') return { json: { items: [problem('p2', { owner_department: 'civil_affairs', project_id: 'proj9' }), problem('b', { summary_id: null })], next_cursor: 'c3' } }
    return { json: { items: [problem('late')], next_cursor: null } }
  } })
}

describe("a summary's problem list", () => {
  afterEach(() => vi.unstubAllGlobals())

  it("pages through the street's problems on the server and stops once it has every one of the summary's", async () => {
    const sent = pagedProblems()
    const rows = await fetchSummaryProblems({ id: 'sum1', street_code: 'S01', problem_ids: ['p2', 'p1'] })
    expect(rows.map((p) => p.id)).toEqual(['p2', 'p1'])
    expect(sent.map((s) => params(s.url).get('cursor'))).toEqual([null, 'c2'])
    expect(params(sent[0].url).get('street_code')).toBe('S01')
  })

  it('asks nothing for a summary without problems', async () => {
    const sent = mockFetch({})
    expect(await fetchSummaryProblems({ id: 's', street_code: 'S01', problem_ids: [] })).toEqual([])
    expect(sent).toEqual([])
  })

  it('shows text, owner department, due date and the overdue mark, and says how many the reader may not see', async () => {
    pagedProblems()
    renderWithProviders(<MemoryRouter><SummaryProblems summary={{ id: 'sum1', street_code: 'S01', problem_ids: ['p1', 'p2', 'p3'] }} /></MemoryRouter>)
    const table = await screen.findByTestId('summary-problems')
    const row1 = (await within(table).findByText('问题p1')).closest('tr')!
    expect(within(row1).getByText('住建')).toBeInTheDocument()
    expect(row1).toHaveTextContent('2026-01-15')
    expect(within(row1).getByText('逾期')).toBeInTheDocument()
    const row2 = within(table).getByText('问题p2').closest('tr')!
    expect(within(row2).getByText('民政')).toBeInTheDocument()
    expect(within(row2).queryByText('逾期')).toBeNull()
    expect(await screen.findByText('另有 1 项问题不在您的查看范围内')).toBeInTheDocument()
  })
})

describe('the problems list', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('asks registry for overdue problems only when 只看逾期 is ticked', async () => {
    const sent = mockFetch({ [`GET ${PROBLEMS}`]: { json: { items: [], next_cursor: null } },
      'GET /api/registry/api/v1/summaries': { json: { items: [], next_cursor: null } } })
    renderWithProviders(<MemoryRouter><SessionContext.Provider value={{ role: 'district_office', sub: 'u1' } as Session}>
      <WorkPage /></SessionContext.Provider></MemoryRouter>)
    await userEvent.click(screen.getByRole('tab', { name: '问题清单' }))
    const problemCalls = () => sent.filter((s) => s.url.split('?')[0] === PROBLEMS)
    await waitFor(() => expect(problemCalls()).toHaveLength(1))
    expect(params(problemCalls()[0].url).get('overdue')).toBeNull()
    await userEvent.click(screen.getByRole('checkbox', { name: '只看逾期' }))
    await waitFor(() => expect(problemCalls()).toHaveLength(2))
    expect(params(problemCalls()[1].url).get('overdue')).toBe('true')
    expect(params(problemCalls()[1].url).get('state')).toBe('open')
  })
})
