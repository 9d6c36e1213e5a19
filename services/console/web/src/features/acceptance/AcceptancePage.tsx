import { useState } from 'react'
import { Card, Descriptions, Form, Input, Radio, Select, Space, Tabs, Tag, Typography } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useSearchParams } from 'react-router-dom'
import { api, apiUrl, fetchAll } from '../../lib/api'
import { wanToFen, ymd } from '../../lib/format'
import { ACCEPTANCE_STATE, DEPARTMENT, EXPENDITURE_CATEGORY, label, LEVEL, options, RESULT_CHANNEL } from '../../lib/labels'
import type { Session } from '../../lib/session'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { FormModalButton } from '../../components/FormModalButton'
import { Money } from '../../components/Money'
import { StreetSelect, useStreetName } from '../../components/StreetSelect'
import { ResultButton } from './ResultForm'

export interface Acceptance {
  id: string; project_id: string; street_code: string; level: string; state: string
  required_departments: string[]; pending_departments: string[]
  final_expenditure_fen: Record<string, number>; report: string; applied_on: string
  reviews: { department_code: string; passed: boolean; findings: string; reviewed_at: string }[]
  result: { passed: boolean; level: string; decided_on: string; reference: string; channel?: string | null
    recorded_by?: string | null; document_id?: string | null } | null
}

/** What a role may do with one acceptance in the console (the API checks again). */
export function acceptanceActions(s: Pick<Session, 'role' | 'department_code' | 'scope'>, a: Pick<Acceptance, 'state' | 'pending_departments' | 'level'>): string[] {
  const out: string[] = []
  if (s.role === 'department' && a.state === 'requested' && s.department_code && a.pending_departments.includes(s.department_code)) out.push('review')
  if (s.role === 'integration' && a.state === 'district_reviewed' && s.scope === a.level) out.push('result')
  // §4.7(3): a result that arrived on paper is recorded by the office, whatever its level.
  if (s.role === 'district_office' && a.state === 'district_reviewed') out.push('paper_result')
  return out
}

function ApplyButton() {
  const qc = useQueryClient()
  const projects = useQuery({
    queryKey: ['registry', 'projects', 'acceptable'],
    queryFn: async () => [
      ...(await fetchAll<{ id: string; name: string; state: string }>('registry', '/projects', { state: 'approved' })),
      ...(await fetchAll<{ id: string; name: string; state: string }>('registry', '/projects', { state: 'accepted' })),
    ],
  })
  return (
    <FormModalButton<{ project_id: string; level: string; consulting_design: string; construction: string; equipment: string; report: string }>
      label="申请验收" title="申请验收（附自验收报告与最终支出）" buttonProps={{ type: 'primary' }} initialValues={{ level: 'city' }}
      fieldNames={Object.fromEntries(Object.keys(EXPENDITURE_CATEGORY).map((k) => [`final_expenditure_fen.${k}`, k]))}
      onSubmit={(v) => api('inspection', '/acceptances', { json: {
        project_id: v.project_id, level: v.level, report: v.report,
        final_expenditure_fen: { consulting_design: wanToFen(v.consulting_design), construction: wanToFen(v.construction), equipment: wanToFen(v.equipment) },
      } })}
      onDone={() => qc.invalidateQueries({ queryKey: ['inspection'] })}>
      <Form.Item name="project_id" label="项目" rules={[{ required: true, message: '请选择项目' }]}>
        <Select aria-label="验收项目" options={(projects.data ?? []).map((p) => ({ value: p.id, label: p.name }))} />
      </Form.Item>
      <Form.Item name="level" label="验收级别" rules={[{ required: true }]}><Radio.Group options={options(LEVEL)} /></Form.Item>
      <Typography.Text>最终支出额（万元，可到分：小数点后六位）</Typography.Text>
      {Object.entries(EXPENDITURE_CATEGORY).map(([k, text]) => (
        <Form.Item key={k} name={k} label={text} rules={[{ required: true, message: `请填写${text}` },
          { pattern: /^\d+(\.\d{1,6})?$/, message: '请填写金额，例如 350.5' }]}>
          <Input addonAfter="万元" aria-label={text} inputMode="decimal" />
        </Form.Item>
      ))}
      <Form.Item name="report" label="自验收报告" rules={[{ required: true, message: '请填写自验收报告' }]}><Input.TextArea rows={4} aria-label="自验收报告" /></Form.Item>
    </FormModalButton>
  )
}

function Detail({ a }: { a: Acceptance }) {
  return (
    <Descriptions size="small" column={1} items={[
      { label: '最终支出', children: <Space wrap>{Object.entries(a.final_expenditure_fen).map(([k, v]) => <span key={k}>{label(EXPENDITURE_CATEGORY, k)} <Money fen={v} /></span>)}</Space> },
      { label: '自验收报告', children: a.report },
      { label: '部门复核', children: <Space direction="vertical">{a.reviews.map((r) => <span key={r.department_code}>
        {label(DEPARTMENT, r.department_code)}：{r.passed ? <Tag color="green">通过</Tag> : <Tag color="red">不通过</Tag>} {r.findings} （{ymd(r.reviewed_at)}）</span>)}</Space> },
      { label: '省市结果', children: a.result ? <span data-testid="acceptance-result">
        {`${a.result.passed ? '通过' : '未通过'} · ${label(LEVEL, a.result.level)} · ${ymd(a.result.decided_on)} · ${a.result.reference}`}
        {a.result.channel && ` · ${label(RESULT_CHANNEL, a.result.channel)}`}{a.result.recorded_by && `（${a.result.recorded_by}）`}
        {a.result.document_id && <> · <a href={apiUrl('registry', `/documents/${a.result.document_id}/download`)}>批复扫描件</a></>}
      </span> : '—' },
    ]} />
  )
}

function RowActions({ a }: { a: Acceptance }) {
  const s = useSession()
  const qc = useQueryClient()
  const done = () => qc.invalidateQueries({ queryKey: ['inspection'] })
  return (
    <Space>
      {acceptanceActions(s, a).map((act) => act === 'review' ? (
        <FormModalButton<{ passed: boolean; findings?: string }> key={act} label="复核" title={`${label(DEPARTMENT, s.department_code)}复核意见`}
          buttonProps={{ type: 'primary', size: 'small' }} initialValues={{ passed: true }}
          onSubmit={(v) => api('inspection', `/acceptances/${a.id}/reviews`, { json: { department_code: s.department_code, passed: v.passed, findings: v.findings ?? '' } })}
          onDone={done}>
          <Form.Item name="passed" label="结论" rules={[{ required: true }]}>
            <Radio.Group options={[{ value: true, label: '通过' }, { value: false, label: '不通过' }]} />
          </Form.Item>
          <Form.Item name="findings" label="意见"><Input.TextArea rows={3} aria-label="复核意见" /></Form.Item>
        </FormModalButton>
      ) : (
        <ResultButton key={act} acceptance={a} paper={act === 'paper_result'} onDone={done} />
      ))}
    </Space>
  )
}

function AcceptanceTable({ query }: { query: Record<string, string | undefined> }) {
  const streetName = useStreetName()
  return (
    <CursorTable<Acceptance> service="inspection" path="/acceptances" query={query} rowKey="id"
      expandable={{ expandedRowRender: (a) => <Detail a={a} /> }} columns={[
        { title: '项目', dataIndex: 'project_id', render: (id: string) => <Link to={`/projects/${id}`}>查看项目</Link> },
        { title: '街道', dataIndex: 'street_code', render: streetName },
        { title: '级别', dataIndex: 'level', render: (l: string) => label(LEVEL, l) },
        { title: '申请日期', dataIndex: 'applied_on', render: ymd },
        { title: '状态', dataIndex: 'state', render: (s: string) => <Tag>{label(ACCEPTANCE_STATE, s)}</Tag> },
        { title: '待复核部门', dataIndex: 'pending_departments', render: (d: string[]) => d.length ? d.map((x) => label(DEPARTMENT, x)).join('、') : '—' },
        { title: '操作', key: 'actions', render: (_: unknown, a) => <RowActions a={a} /> },
      ]} />
  )
}

export function AcceptancePage() {
  const s = useSession()
  const [params] = useSearchParams()
  const [state, setState] = useState<string | undefined>(s.role === 'department' ? 'requested' : s.role === 'integration' ? 'district_reviewed' : undefined)
  const [level, setLevel] = useState<string | undefined>()
  const [street, setStreet] = useState<string | undefined>()
  const projectId = params.get('project_id') ?? undefined
  const title = s.role === 'department' ? '待复核验收' : s.role === 'integration' ? '待回传结果的验收' : '验收'
  return (
    <Card title={<Typography.Title level={4} className="page-title">{title}</Typography.Title>}
      extra={s.role === 'street' && <ApplyButton />}>
      <Tabs items={[{ key: 'list', label: '验收申请', children: (
        <>
          <Space className="filters">
            <Select allowClear placeholder="状态" style={{ width: 160 }} value={state} onChange={setState} options={options(ACCEPTANCE_STATE)} aria-label="验收状态" />
            <Select allowClear placeholder="级别" style={{ width: 120 }} value={level} onChange={setLevel} options={options(LEVEL)} aria-label="验收级别" />
            {(s.role === 'district_office' || s.role === 'auditor') && <StreetSelect value={street} onChange={setStreet} />}
          </Space>
          <AcceptanceTable query={{ state, level, street_code: street, project_id: projectId }} />
        </>
      ) }]} />
    </Card>
  )
}
