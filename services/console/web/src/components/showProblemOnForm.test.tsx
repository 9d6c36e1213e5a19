import { afterEach, describe, expect, it, vi } from 'vitest'
import { act, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Form, Input } from 'antd'
import type { FormInstance } from 'antd'
import { api, ApiProblem } from '../lib/api'
import { fill, mockFetch, renderWithProviders } from '../test-utils'
import { FormModalButton } from './FormModalButton'
import { formFieldName, showProblemOnForm } from './ProblemAlert'

const problem = (...errors: { loc: (string | number)[]; msg: string }[]) =>
  new ApiProblem(422, { title: 'Unprocessable Content', status: 422, errors: errors.map((e) => ({ ...e, loc: e.loc.map(String) })) })

/** The error text shown under the form item labelled so. */
function errorsUnder(labelText: string): string[] {
  const item = screen.getByText(labelText, { selector: 'label' }).closest('.ant-form-item') as HTMLElement
  return [...item.querySelectorAll('.ant-form-item-explain-error')].map((e) => e.textContent ?? '')
}

describe('a problem shown next to its form field', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('finds the form field of an API error path, through the names where they differ', () => {
    expect(formFieldName(['title'])).toEqual(['title'])
    expect(formFieldName(['amount_fen'], { amount_fen: 'amount' })).toEqual(['amount'])
    expect(formFieldName(['final_expenditure_fen', 'construction'], { 'final_expenditure_fen.construction': 'construction' }))
      .toEqual(['construction'])
    expect(formFieldName(['problems', '0', 'text'])).toEqual(['problems', 0, 'text'])
    expect(formFieldName(['items', '2'], { items: 'rows' })).toEqual(['rows', 2])
  })

  it('puts each error under its field, a blank optional one too, keeps what was typed, and says whether any matched', async () => {
    let form!: FormInstance
    function Harness() {
      const [f] = Form.useForm()
      form = f
      return (
        <Form form={f} layout="vertical">
          <Form.Item name="title" label="名称"><Input aria-label="名称" /></Form.Item>
          <Form.Item name="amount" label="金额"><Input aria-label="金额" /></Form.Item>
          <Form.Item name="note" label="说明"><Input aria-label="说明" /></Form.Item>
        </Form>
      )
    }
    renderWithProviders(<Harness />)
    await fill(screen.getByLabelText('名称'), '甲社区')
    await fill(screen.getByLabelText('金额'), '-1')
    let matched = false
    act(() => {
      matched = showProblemOnForm(form, problem(
        { loc: ['body', 'title'], msg: 'String should have at most 200 characters' },
        { loc: ['body', 'title'], msg: 'must not be blank' },
        { loc: ['body', 'amount_fen'], msg: 'Input should be greater than 0' },
        { loc: ['body', 'note'], msg: 'Field required' },
        { loc: ['body', 'unknown'], msg: 'not a field of this form' },
      ), { amount_fen: 'amount' })
    })
    expect(matched).toBe(true)
    await waitFor(() => expect(errorsUnder('名称')).toEqual(['String should have at most 200 characters', 'must not be blank']))
    expect(errorsUnder('金额')).toEqual(['Input should be greater than 0'])
    expect(errorsUnder('说明')).toEqual(['Field required'])
    expect(screen.queryByText('not a field of this form')).toBeNull()
    expect(screen.getByLabelText('名称')).toHaveValue('甲社区')
    expect(screen.getByLabelText('金额')).toHaveValue('-1')
    expect(showProblemOnForm(form, problem({ loc: ['body', 'elsewhere'], msg: 'x' }))).toBe(false)
    expect(showProblemOnForm(form, new ApiProblem(409, { title: 'Conflict' }))).toBe(false)
    expect(showProblemOnForm(form, new Error('boom'))).toBe(false)
  })

  it("shows a refused form's problem under the field whose API name differs, and keeps the form open with its values", async () => {
    const url = '/api/funding/api/v1/projects/p1/expenditures'
    mockFetch({ [`POST ${url}`]: { status: 422, json: { title: 'Unprocessable Content', status: 422, detail: 'invalid body',
      errors: [{ loc: ['body', 'amount_fen'], msg: '金额必须大于 0', type: 'greater_than' }] } } })
    renderWithProviders(
      <FormModalButton<{ amount: string; note?: string }> label="报送支出" title="报送项目支出" fieldNames={{ amount_fen: 'amount' }}
        onSubmit={(v) => api('funding', '/projects/p1/expenditures', { json: { amount_fen: Number(v.amount) * 1_000_000, note: v.note ?? '' } })}>
        <Form.Item name="amount" label="金额"><Input aria-label="支出金额" /></Form.Item>
        <Form.Item name="note" label="说明"><Input aria-label="支出说明" /></Form.Item>
      </FormModalButton>)
    await userEvent.click(screen.getByRole('button', { name: '报送支出' }))
    await fill(screen.getByLabelText('支出金额'), '0')
    await fill(screen.getByLabelText('支出说明'), '第一笔')
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: /确\s*定/ }))
    await waitFor(() => expect(errorsUnder('金额')).toEqual(['金额必须大于 0']))
    expect(screen.getByRole('alert')).toHaveTextContent('invalid body') // the problem itself stays shown in the form too
    expect(screen.getByLabelText('支出说明')).toHaveValue('第一笔')
  })
})
