import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { fill, fillDate, mockFetch, renderWithProviders } from '../../test-utils'
import { acceptanceActions } from './AcceptancePage'
import { ResultButton, resultBody } from './ResultForm'

const upload = vi.hoisted(() => vi.fn())
vi.mock('../../components/UploadWithProgress', () => ({ uploadWithProgress: upload }))

const ACCEPTANCE = { id: 'a1', project_id: 'p1', level: 'city' }
const RESULT = '/api/inspection/api/v1/acceptances/a1/result'

describe('the result of an acceptance', () => {
  afterEach(() => { vi.unstubAllGlobals(); upload.mockReset() })

  it('is recorded from paper by the office once the district review has passed, whatever its level', () => {
    const office = { role: 'district_office' as const }
    const a = { state: 'district_reviewed', level: 'province', pending_departments: [] }
    expect(acceptanceActions(office, a)).toEqual(['paper_result'])
    expect(acceptanceActions(office, { ...a, state: 'requested' })).toEqual([])
    expect(acceptanceActions(office, { ...a, state: 'passed' })).toEqual([])
    expect(acceptanceActions({ role: 'auditor' }, a)).toEqual([])
  })

  it("is sent as inspection's ResultIn: a YYYY-MM-DD date, the 文号 trimmed, document_id only with a scan", () => {
    const v = { passed: false, level: 'city', decided_on: { format: () => '2026-11-20' }, reference: ' 杭验〔2026〕8号 ' }
    expect(resultBody(v)).toEqual({ passed: false, level: 'city', decided_on: '2026-11-20', reference: '杭验〔2026〕8号' })
    expect(resultBody(v, 'd1')).toEqual({ passed: false, level: 'city', decided_on: '2026-11-20', reference: '杭验〔2026〕8号', document_id: 'd1' })
  })

  it('uploads the scan as the project document once, and resends the refused result with it and the same key', async () => {
    let answers = 0
    const sent = mockFetch({
      'GET /api/registry/api/v1/projects/p1': { json: { id: 'p1', community_ids: ['c1', 'c2'] } },
      [`POST ${RESULT}`]: () => (answers++ === 0
        ? { status: 409, json: { title: 'Conflict', status: 409, detail: 'the acceptance is requested; a result needs the district review (复核) passed first' } }
        : { json: { id: 'a1', state: 'passed' } }),
    })
    upload.mockResolvedValue({ id: 'd1' })
    const done = vi.fn()
    renderWithProviders(<ResultButton acceptance={ACCEPTANCE} paper onDone={done} />)
    await userEvent.click(screen.getByRole('button', { name: '登记纸质结果' }))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByRole('radio', { name: '市级' })).toBeChecked()
    await fillDate('决定日期', '2026-11-20')
    await fill(within(dialog).getByLabelText('批复文号'), '杭未来验〔2026〕8号')
    const file = new File(['%PDF-1.4'], '批复.pdf', { type: 'application/pdf' })
    await userEvent.upload(dialog.querySelector('input[type=file]') as HTMLInputElement, file)
    await userEvent.click(within(dialog).getByRole('button', { name: /确\s*定/ }))

    expect(await within(dialog).findByText(/a result needs the district review/)).toBeInTheDocument()
    expect(upload).toHaveBeenCalledTimes(1)
    const [url, form] = upload.mock.calls[0] as [string, FormData]
    expect(url).toBe('/api/registry/api/v1/communities/c1/documents')
    expect(form.get('kind')).toBe('acceptance_decision')
    expect(form.get('project_id')).toBe('p1')
    expect((form.get('file') as File).name).toBe('批复.pdf')

    await userEvent.click(within(dialog).getByRole('button', { name: /确\s*定/ }))
    await waitFor(() => expect(done).toHaveBeenCalled())
    expect(upload).toHaveBeenCalledTimes(1) // not uploaded again
    const posts = sent.filter((r) => r.url === RESULT)
    expect(posts.map((p) => p.json)).toEqual([
      { passed: true, level: 'city', decided_on: '2026-11-20', reference: '杭未来验〔2026〕8号', document_id: 'd1' },
      { passed: true, level: 'city', decided_on: '2026-11-20', reference: '杭未来验〔2026〕8号', document_id: 'd1' },
    ])
    expect(posts[0].headers['idempotency-key']).toBeTruthy()
    expect(posts[1].headers['idempotency-key']).toBe(posts[0].headers['idempotency-key'])
  })

  it("lets an integration post only its own level and no scan", async () => {
    const sent = mockFetch({ [`POST ${RESULT}`]: { json: { id: 'a1', state: 'failed' } } })
    renderWithProviders(<ResultButton acceptance={ACCEPTANCE} paper={false} onDone={vi.fn()} />)
    await userEvent.click(screen.getByRole('button', { name: '登记验收结果' }))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByRole('radio', { name: '省级' })).toBeDisabled()
    expect(dialog.querySelector('input[type=file]')).toBeNull()
    await userEvent.click(within(dialog).getByRole('radio', { name: '未通过' }))
    await fillDate('决定日期', '2026-11-21')
    await fill(within(dialog).getByLabelText('批复文号'), '市验〔2026〕2号')
    await userEvent.click(within(dialog).getByRole('button', { name: /确\s*定/ }))
    await waitFor(() => expect(sent.filter((r) => r.url === RESULT)).toHaveLength(1))
    expect(sent[0].json).toEqual({ passed: false, level: 'city', decided_on: '2026-11-21', reference: '市验〔2026〕2号' })
  })
})
