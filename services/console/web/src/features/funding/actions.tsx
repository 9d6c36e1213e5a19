// Finance's actions on the fund (funding's API: budget, income, year close, reversals, repayments).
// Each form sends exactly the body funding's schemas take, amounts as integer fen, dates as YYYY-MM-DD.
import { App, DatePicker, Form, Input, Typography } from 'antd'
import { useQueryClient } from '@tanstack/react-query'
import { api } from '../../lib/api'
import { wan, wanToFen } from '../../lib/format'
import { FormModalButton } from '../../components/FormModalButton'
import { Money } from '../../components/Money'

type Day = { format: (f: string) => string } | string
const day = (d: Day) => (typeof d === 'string' ? d : d.format('YYYY-MM-DD'))
const AMOUNT = /^\d+(\.\d{1,6})?$/
const amountRules = (text: string) => [{ required: true, message: `请填写${text}` }, { pattern: AMOUNT, message: '请填写金额（万元，最多六位小数即到分），例如 350.5' }]
const idem = (key: string) => ({ 'Idempotency-Key': key })

export interface BudgetValues { budget: string; note?: string }
/** BudgetIn: budget_fen (≥ 0), note. */
export const budgetBody = (v: BudgetValues) => ({ budget_fen: wanToFen(v.budget), note: v.note?.trim() ?? '' })

export interface IncomeValues { amount: string; received_on: Day; source?: string; reference: string; note?: string }
/** IncomeIn: amount_fen (> 0), received_on, source (default 上级专项补助), reference, note. */
export function incomeBody(v: IncomeValues) {
  return { amount_fen: wanToFen(v.amount), received_on: day(v.received_on), source: v.source?.trim() || '上级专项补助',
    reference: v.reference.trim(), note: v.note?.trim() ?? '' }
}

export interface RepaymentValues { amount: string; repaid_on: Day; reference: string }
/** RepaymentIn: amount_fen (> 0), repaid_on, reference (凭证号, at most 60 characters). */
export const repaymentBody = (v: RepaymentValues) => ({ amount_fen: wanToFen(v.amount), repaid_on: day(v.repaid_on), reference: v.reference.trim() })

export interface ReversalValues { reason: string }
/** ReversalIn: reason. */
export const reversalBody = (v: ReversalValues) => ({ reason: v.reason.trim() })

function useRefresh() {
  const qc = useQueryClient()
  return () => qc.invalidateQueries({ queryKey: ['funding'] })
}

export function BudgetButton({ year }: { year: number }) {
  const refresh = useRefresh()
  return (
    <FormModalButton<BudgetValues> label="设定年度预算" title={`${year} 年度预算`} fieldNames={{ budget_fen: 'budget' }}
      onSubmit={(v) => api('funding', `/years/${year}/budget`, { method: 'PUT', json: budgetBody(v) })} onDone={refresh}>
      <Form.Item name="budget" label="预算" rules={amountRules('预算')}><Input addonAfter="万元" aria-label="年度预算" inputMode="decimal" /></Form.Item>
      <Form.Item name="note" label="说明" rules={[{ max: 2000 }]}><Input aria-label="预算说明" /></Form.Item>
    </FormModalButton>
  )
}

export function IncomeButton({ year }: { year: number }) {
  const refresh = useRefresh()
  return (
    <FormModalButton<IncomeValues> label="登记上级补助" title={`${year} 年度上级专项补助到账`} initialValues={{ source: '上级专项补助' }}
      fieldNames={{ amount_fen: 'amount' }}
      onSubmit={(v, key) => api('funding', `/years/${year}/income`, { json: incomeBody(v), headers: idem(key) })} onDone={refresh}>
      <Typography.Paragraph type="secondary">上级专项补助并入区级专项资金，计入年度可用资金，不直接拨付街道（§5.3）。</Typography.Paragraph>
      <Form.Item name="amount" label="到账金额" rules={amountRules('到账金额')}><Input addonAfter="万元" aria-label="到账金额" inputMode="decimal" /></Form.Item>
      <Form.Item name="received_on" label="到账日期" rules={[{ required: true, message: '请选择日期' }]}>
        <DatePicker format="YYYY-MM-DD" style={{ width: '100%' }} aria-label="到账日期" />
      </Form.Item>
      <Form.Item name="source" label="来源" rules={[{ max: 200 }]}><Input aria-label="补助来源" /></Form.Item>
      <Form.Item name="reference" label="文号/凭证号" rules={[{ required: true, whitespace: true, message: '请填写文号或凭证号' }, { max: 200 }]}>
        <Input aria-label="补助文号" />
      </Form.Item>
      <Form.Item name="note" label="说明" rules={[{ max: 2000 }]}><Input.TextArea rows={2} aria-label="补助说明" /></Form.Item>
    </FormModalButton>
  )
}

interface CloseResult { year: number; interims: { amount_fen: number }[] }

export function CloseYearButton({ year }: { year: number }) {
  const refresh = useRefresh()
  const { message } = App.useApp()
  return (
    <FormModalButton<object> label="年度结算" title={`${year} 年度结算（F4 预拨）`} buttonProps={{ danger: true }}
      onSubmit={(_, key) => api<CloseResult>('funding', `/years/${year}/close`, { method: 'POST', headers: idem(key) })}
      onDone={(r) => {
        const interims = (r as CloseResult | undefined)?.interims ?? []
        const total = interims.reduce((s, e) => s + e.amount_fen, 0)
        message.success(`${year} 年度已结算：${interims.length} 个项目预拨 ${wan(total)} 万元`)
        void refresh()
      }}>
      <Typography.Paragraph>对任务年度内未完成验收的项目按 F4 预拨。年度结束（次年 1 月 1 日）后方可结算，重复结算不会重复拨付。</Typography.Paragraph>
    </FormModalButton>
  )
}

export function ReversalButton({ entry }: { entry: { id: number; amount_fen: number } }) {
  const refresh = useRefresh()
  return (
    <FormModalButton<ReversalValues> label="冲正" title={`冲正台账 #${entry.id}（${wan(entry.amount_fen)} 万元）`}
      buttonProps={{ size: 'small', danger: true }}
      onSubmit={(v, key) => api('funding', `/entries/${entry.id}/reversal`, { json: reversalBody(v), headers: idem(key) })}
      onDone={refresh}>
      <Form.Item name="reason" label="冲正理由" rules={[{ required: true, whitespace: true, message: '请填写冲正理由' }, { max: 2000 }]}>
        <Input.TextArea rows={3} aria-label="冲正理由" />
      </Form.Item>
    </FormModalButton>
  )
}

/** 追回款缴回: finance records what the street paid back of a recovery; the API refuses more than is owed. */
export function RepaymentButton({ projectId, dueFen, size }: { projectId: string; dueFen?: number; size?: 'small' }) {
  const refresh = useRefresh()
  return (
    <FormModalButton<RepaymentValues> label="登记缴回" title="登记追回款缴回" buttonProps={{ size }} fieldNames={{ amount_fen: 'amount' }}
      onSubmit={(v, key) => api('funding', `/projects/${projectId}/repayments`, { json: repaymentBody(v), headers: idem(key) })}
      onDone={refresh}>
      {dueFen !== undefined && <Typography.Paragraph>尚待追回：<Money fen={dueFen} /></Typography.Paragraph>}
      <Form.Item name="amount" label="缴回金额" rules={amountRules('缴回金额')}><Input addonAfter="万元" aria-label="缴回金额" inputMode="decimal" /></Form.Item>
      <Form.Item name="repaid_on" label="缴回日期" rules={[{ required: true, message: '请选择日期' }]}>
        <DatePicker format="YYYY-MM-DD" style={{ width: '100%' }} aria-label="缴回日期" />
      </Form.Item>
      <Form.Item name="reference" label="凭证号" rules={[{ required: true, whitespace: true, message: '请填写凭证号' }, { max: 60 }]}>
        <Input aria-label="凭证号" />
      </Form.Item>
    </FormModalButton>
  )
}
