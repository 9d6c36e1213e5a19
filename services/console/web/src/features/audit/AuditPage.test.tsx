import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { fill, mockFetch, renderWithProviders } from '../../test-utils'
import { districtDayRange } from '../../lib/format'
import { auditQuery, AuditPage, changeLines } from './AuditPage'

describe('audit changes', () => {
  it('shows each field as old → new, masked values as they came', () => {
    expect(changeLines({ name: ['旧名', '新名'], population: [null, 8000], secret: ['***', '***'], tags: [['a'], ['a', 'b']] }))
      .toEqual(['name: 旧名 → 新名', 'population: — → 8000', 'secret: *** → ***', 'tags: ["a"] → ["a","b"]'])
  })
})

describe('the audit time range', () => {
  afterEach(() => vi.unstubAllGlobals())

  it("runs from the start of the first day to the end of the last (the next day's start, exclusive) in the district", () => {
    expect(districtDayRange('2026-11-01', '2026-11-30'))
      .toEqual({ since: '2026-11-01T00:00:00+08:00', until: '2026-12-01T00:00:00+08:00' })
    expect(districtDayRange('2026-12-31', '2026-12-31'))
      .toEqual({ since: '2026-12-31T00:00:00+08:00', until: '2027-01-01T00:00:00+08:00' })
    expect(districtDayRange(null, '2028-02-28')).toEqual({ until: '2028-02-29T00:00:00+08:00' })
    expect(districtDayRange('2026-03-01', undefined)).toEqual({ since: '2026-03-01T00:00:00+08:00' })
    expect(districtDayRange()).toEqual({})
    expect(() => districtDayRange('2026/03/01')).toThrow()
  })

  it('builds the query from the form, blanks left out', () => {
    const d = (s: string) => ({ format: () => s })
    expect(auditQuery({ resource: ' communities ', actor: '', range: [d('2026-11-01'), d('2026-11-02')] })).toEqual({
      resource: 'communities', resource_id: undefined, actor: undefined, action: undefined,
      since: '2026-11-01T00:00:00+08:00', until: '2026-11-03T00:00:00+08:00',
    })
    expect(auditQuery({ range: null })).toEqual({ resource: undefined, resource_id: undefined, actor: undefined, action: undefined })
  })

  it('sends the chosen days as since/until with the other filters, to the list and the export alike', async () => {
    const params = (url: string) => new URL(url, 'http://x').searchParams
    const sent = mockFetch({ 'GET /api/registry/api/v1/audit': { json: { items: [], next_cursor: null } } })
    renderWithProviders(<AuditPage />)
    await waitFor(() => expect(sent).toHaveLength(1))
    expect(params(sent[0].url).get('since')).toBeNull()
    await fill(screen.getByLabelText('资源类型'), 'communities')
    const start = screen.getByPlaceholderText('开始日期')
    await userEvent.click(start)
    await userEvent.type(start, '2026-11-01{enter}')
    const end = screen.getByPlaceholderText('结束日期')
    await userEvent.type(end, '2026-11-30{enter}')
    await userEvent.click(screen.getByRole('button', { name: '查询' }))
    await waitFor(() => expect(params(sent[sent.length - 1].url).get('since')).toBe('2026-11-01T00:00:00+08:00'))
    const q = params(sent[sent.length - 1].url)
    expect(q.get('until')).toBe('2026-12-01T00:00:00+08:00')
    expect(q.get('resource')).toBe('communities')
    expect(q.get('limit')).toBe('20')
    const exportSent = mockFetch({})
    await userEvent.click(screen.getByRole('button', { name: /导出 Excel/ }))
    await waitFor(() => expect(exportSent.length).toBeGreaterThan(0))
    const x = params(exportSent[0].url)
    expect(exportSent[0].url.split('?')[0]).toBe('/api/registry/api/v1/audit.xlsx')
    expect([x.get('since'), x.get('until')]).toEqual(['2026-11-01T00:00:00+08:00', '2026-12-01T00:00:00+08:00'])
  })
})
