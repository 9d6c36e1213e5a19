import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { fill, fillDate, mockFetch, renderWithProviders } from '../../test-utils'
import { budgetBody, CloseYearButton, IncomeButton, incomeBody, RepaymentButton, repaymentBody, reversalBody } from './actions'

const ok = () => within(screen.getByRole('dialog')).getByRole('button', { name: /确\s*定/ })

describe("finance's forms send what funding's schemas take", () => {
  afterEach(() => vi.unstubAllGlobals())

  it('builds BudgetIn, IncomeIn, RepaymentIn and ReversalIn in integer fen', () => {
    expect(budgetBody({ budget: '5000', note: ' 年初预算 ' })).toEqual({ budget_fen: 5_000_000_000, note: '年初预算' })
    expect(budgetBody({ budget: '0' })).toEqual({ budget_fen: 0, note: '' })
    expect(incomeBody({ amount: '123.456789', received_on: '2026-03-02', reference: ' 浙财〔2026〕5号 ' }))
      .toEqual({ amount_fen: 123_456_789, received_on: '2026-03-02', source: '上级专项补助', reference: '浙财〔2026〕5号', note: '' })
    expect(incomeBody({ amount: '1', received_on: '2026-03-02', source: '省级专项', reference: 'r', note: 'n' }).source).toBe('省级专项')
    expect(repaymentBody({ amount: '0.01', repaid_on: { format: () => '2026-11-02' }, reference: 'PZ-1' }))
      .toEqual({ amount_fen: 10_000, repaid_on: '2026-11-02', reference: 'PZ-1' })
    expect(reversalBody({ reason: ' 重复入账 ' })).toEqual({ reason: '重复入账' })
  })

  it('records a repayment of a recovery, keeping the form and its key when funding refuses it', async () => {
    let n = 0
    const url = '/api/funding/api/v1/projects/p1/repayments'
    const sent = mockFetch({ [`POST ${url}`]: () => (n++ === 0
      ? { status: 422, json: { title: 'Unprocessable Content', status: 422, detail: 'the repayment exceeds the recovery still owed (1000000 fen)' } }
      : { status: 201, json: { id: 9, kind: 'repayment' } }) })
    renderWithProviders(<RepaymentButton projectId="p1" dueFen={1_000_000} />)
    await userEvent.click(screen.getByRole('button', { name: '登记缴回' }))
    expect(within(screen.getByRole('dialog')).getByText('1.00 万元')).toBeInTheDocument()
    await fill(screen.getByLabelText('缴回金额'), '1.5')
    await fillDate('缴回日期', '2026-11-02')
    await fill(screen.getByLabelText('凭证号'), 'PZ-2026-001')
    await userEvent.click(ok())
    expect(await screen.findByText(/exceeds the recovery still owed/)).toBeInTheDocument()
    expect(screen.getByLabelText('凭证号')).toHaveValue('PZ-2026-001') // nothing typed is lost
    await userEvent.clear(screen.getByLabelText('缴回金额'))
    await fill(screen.getByLabelText('缴回金额'), '1')
    await userEvent.click(ok())
    await waitFor(() => expect(n).toBe(2))
    expect(sent.map((r) => r.json)).toEqual([
      { amount_fen: 1_500_000, repaid_on: '2026-11-02', reference: 'PZ-2026-001' },
      { amount_fen: 1_000_000, repaid_on: '2026-11-02', reference: 'PZ-2026-001' },
    ])
    expect(sent[1].headers['idempotency-key']).toBe(sent[0].headers['idempotency-key'])
  })

  it('refuses an amount finer than a fen before sending anything', async () => {
    const sent = mockFetch({})
    renderWithProviders(<IncomeButton year={2026} />)
    await userEvent.click(screen.getByRole('button', { name: '登记上级补助' }))
    await fill(screen.getByLabelText('到账金额'), '1.0000001')
    await userEvent.click(ok())
    expect(await screen.findByText(/最多六位小数/)).toBeInTheDocument()
    expect(sent).toEqual([])
  })

  it('closes a year with a fresh Idempotency-Key each time the form is opened', async () => {
    const url = '/api/funding/api/v1/years/2025/close'
    const sent = mockFetch({ [`POST ${url}`]: { json: { year: 2025, closed_at: '2026-01-02T00:00:00Z', interims: [{ amount_fen: 7_000_000_000 }] } } })
    renderWithProviders(<CloseYearButton year={2025} />)
    for (let i = 0; i < 2; i++) {
      await userEvent.click(screen.getByRole('button', { name: '年度结算' }))
      await userEvent.click(ok())
      await waitFor(() => expect(sent).toHaveLength(i + 1))
    }
    expect(await screen.findAllByText(/1 个项目预拨 7,000.00 万元/)).not.toHaveLength(0)
    expect(sent[0].headers['idempotency-key']).not.toBe(sent[1].headers['idempotency-key'])
  })
})
