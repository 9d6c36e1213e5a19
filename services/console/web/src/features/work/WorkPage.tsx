import { useState } from 'react'
import { Button, Card, Checkbox, DatePicker, Form, Input, Select, Space, Table, Tabs, Typography } from 'antd'
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { Dayjs } from 'dayjs'
import { api } from '../../lib/api'
import { ymd } from '../../lib/format'
import { DEPARTMENT, label, options, PERIOD, PROBLEM_STATE } from '../../lib/labels'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { FormModalButton } from '../../components/FormModalButton'
import { ProblemAlert } from '../../components/ProblemAlert'
import { StreetSelect, useStreetName } from '../../components/StreetSelect'
import type { ProblemRow } from './SummaryProblems'
import { ProblemDue, SummaryProblems } from './SummaryProblems'

interface Summary { id: string; street_code: string | null; period: string; period_start: string; period_end: string; work: string[]; innovations: string[]; problem_ids: string[]; filed_by: string; filed_at: string }
interface Overdue { street_code: string; period: string; period_start: string; period_end: string; due_on: string }
interface SummaryForm { street_code?: string; period: string; period_start: Dayjs; problems?: { text: string; owner_department: string; due_on?: Dayjs }[]; work?: string[]; innovations?: string[] }

function TextList({ name, label: title }: { name: string; label: string }) {
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <Form.Item label={title}>
          {fields.map((f) => (
            <Space key={f.key} style={{ display: 'flex' }} align="baseline">
              <Form.Item name={f.name} rules={[{ required: true, message: '请填写' }]}><Input style={{ width: 480 }} /></Form.Item>
              <MinusCircleOutlined onClick={() => remove(f.name)} aria-label="删除" />
            </Space>
          ))}
          <Button type="dashed" onClick={() => add()} icon={<PlusOutlined />}>添加一项</Button>
        </Form.Item>
      )}
    </Form.List>
  )
}

function FileSummaryButton() {
  const s = useSession()
  const qc = useQueryClient()
  return (
    <FormModalButton<SummaryForm> label="报送工作小结" title="报送工作小结（问题清单、工作清单、创新清单）" width={760}
      buttonProps={{ type: 'primary' }} initialValues={{ period: 'weekly', street_code: s.street_code ?? undefined }}
      onSubmit={(v) => api('registry', '/summaries', { json: {
        street_code: v.street_code ?? s.street_code, period: v.period, period_start: v.period_start.format('YYYY-MM-DD'),
        work: v.work ?? [], innovations: v.innovations ?? [],
        problems: (v.problems ?? []).map((p) => ({ text: p.text, owner_department: p.owner_department, due_on: p.due_on?.format('YYYY-MM-DD') })),
      } })}
      onDone={() => qc.invalidateQueries({ queryKey: ['registry'] })}>
      {s.role !== 'street' && <Form.Item name="street_code" label="街道" rules={[{ required: true }]}><StreetSelect /></Form.Item>}
      <Space>
        <Form.Item name="period" label="周期" rules={[{ required: true }]}><Select options={options(PERIOD)} style={{ width: 120 }} /></Form.Item>
        <Form.Item name="period_start" label="周期开始日" rules={[{ required: true, message: '请选择日期' }]}><DatePicker format="YYYY-MM-DD" /></Form.Item>
      </Space>
      <Form.List name="problems">
        {(fields, { add, remove }) => (
          <Form.Item label="问题清单">
            {fields.map((f) => (
              <Space key={f.key} style={{ display: 'flex' }} align="baseline" wrap>
                <Form.Item name={[f.name, 'text']} rules={[{ required: true, message: '请填写问题' }]}><Input placeholder="问题" style={{ width: 280 }} /></Form.Item>
                <Form.Item name={[f.name, 'owner_department']} rules={[{ required: true, message: '请选择责任部门' }]}>
                  <Select placeholder="责任部门" options={options(DEPARTMENT)} style={{ width: 120 }} /></Form.Item>
                <Form.Item name={[f.name, 'due_on']}><DatePicker placeholder="期限" format="YYYY-MM-DD" /></Form.Item>
                <MinusCircleOutlined onClick={() => remove(f.name)} aria-label="删除" />
              </Space>
            ))}
            <Button type="dashed" onClick={() => add()} icon={<PlusOutlined />}>添加问题</Button>
          </Form.Item>
        )}
      </Form.List>
      <TextList name="work" label="工作清单" />
      <TextList name="innovations" label="创新清单" />
    </FormModalButton>
  )
}

function OverdueTab({ street }: { street?: string }) {
  const streetName = useStreetName()
  const q = useQuery({ queryKey: ['registry', 'summaries', 'overdue', street], queryFn: () => api<Overdue[]>('registry', '/summaries/overdue', { query: { street_code: street } }) })
  return (
    <>
      {q.error && <ProblemAlert error={q.error} />}
      <Table<Overdue> size="small" rowKey={(r) => `${r.street_code}-${r.period}-${r.period_start}`} dataSource={q.data ?? []}
        pagination={{ pageSize: 20, showSizeChanger: false }} columns={[
          { title: '街道', dataIndex: 'street_code', render: streetName },
          { title: '周期', dataIndex: 'period', render: (p: string) => label(PERIOD, p) },
          { title: '起止', render: (_: unknown, r) => `${ymd(r.period_start)} 至 ${ymd(r.period_end)}` },
          { title: '应报日期', dataIndex: 'due_on', render: ymd },
        ]} />
    </>
  )
}

export function WorkPage() {
  const s = useSession()
  const qc = useQueryClient()
  const streetName = useStreetName()
  const [street, setStreet] = useState<string | undefined>()
  const [period, setPeriod] = useState<string | undefined>()
  const [pState, setPState] = useState<string | undefined>('open')
  const [overdueOnly, setOverdueOnly] = useState(false)
  const canFile = s.role === 'street' || s.role === 'district_office'
  return (
    <Card title={<Typography.Title level={4} className="page-title">工作推进</Typography.Title>} extra={canFile && <FileSummaryButton />}>
      <Space className="filters">
        {s.role !== 'street' && <StreetSelect value={street} onChange={setStreet} />}
      </Space>
      <Tabs items={[
        { key: 'summaries', label: '工作小结', children: (
          <>
            <Select allowClear placeholder="周期" value={period} onChange={setPeriod} options={options(PERIOD)} style={{ width: 120, marginBottom: 12 }} aria-label="周期" />
            <CursorTable<Summary> service="registry" path="/summaries" query={{ street_code: street, period }} rowKey="id"
              expandable={{ expandedRowRender: (r) => (
                <Space direction="vertical" style={{ width: '100%' }}>
                  <div><Typography.Text strong>工作清单：</Typography.Text>{r.work.join('；') || '—'}</div>
                  <div><Typography.Text strong>创新清单：</Typography.Text>{r.innovations.join('；') || '—'}</div>
                  <div><Typography.Text strong>问题清单（{r.problem_ids.length} 项）：</Typography.Text></div>
                  <SummaryProblems summary={r} />
                </Space>
              ) }}
              columns={[
                { title: '街道', dataIndex: 'street_code', render: streetName },
                { title: '周期', dataIndex: 'period', render: (p: string) => label(PERIOD, p) },
                { title: '起止', render: (_: unknown, r) => `${ymd(r.period_start)} 至 ${ymd(r.period_end)}` },
                { title: '问题', dataIndex: 'problem_ids', render: (p: string[]) => p.length },
                { title: '工作', dataIndex: 'work', render: (w: string[]) => w.length },
                { title: '创新', dataIndex: 'innovations', render: (w: string[]) => w.length },
                { title: '报送人', dataIndex: 'filed_by' },
                { title: '报送时间', dataIndex: 'filed_at', render: ymd },
              ]} />
          </>
        ) },
        { key: 'overdue', label: '逾期未报', children: <OverdueTab street={street} /> },
        { key: 'problems', label: '问题清单', children: (
          <>
            <Space style={{ marginBottom: 12 }}>
              <Select allowClear placeholder="状态" value={overdueOnly ? 'open' : pState} onChange={setPState} disabled={overdueOnly}
                options={options(PROBLEM_STATE)} style={{ width: 120 }} aria-label="问题状态" />
              {/* registry's overdue filter: open problems past their due date (so the state is 未关闭 while it is on) */}
              <Checkbox checked={overdueOnly} onChange={(e) => setOverdueOnly(e.target.checked)}>只看逾期</Checkbox>
            </Space>
            <CursorTable<ProblemRow> service="registry" path="/problems" rowKey="id"
              query={{ street_code: street, state: overdueOnly ? 'open' : pState, overdue: overdueOnly ? true : undefined }} columns={[
              { title: '问题', dataIndex: 'text' },
              { title: '街道', dataIndex: 'street_code', render: streetName },
              { title: '责任部门', dataIndex: 'owner_department', render: (d: string) => label(DEPARTMENT, d) },
              { title: '整改期限', dataIndex: 'due_on', render: (_: unknown, r) => <ProblemDue p={r} /> },
              { title: '状态', dataIndex: 'state', render: (x: string) => label(PROBLEM_STATE, x) },
              { title: '操作', key: 'op', render: (_: unknown, r) => r.state === 'open' && s.role !== 'auditor' ? (
                <FormModalButton<{ note?: string }> label="销号" title="问题销号" buttonProps={{ size: 'small' }}
                  onSubmit={(v) => api('registry', `/problems/${r.id}/close`, { json: { note: v.note } })}
                  onDone={() => qc.invalidateQueries({ queryKey: ['registry'] })}>
                  <Form.Item name="note" label="整改情况"><Input.TextArea rows={3} /></Form.Item>
                </FormModalButton>
              ) : r.close_note },
            ]} />
          </>
        ) },
      ]} />
    </Card>
  )
}
