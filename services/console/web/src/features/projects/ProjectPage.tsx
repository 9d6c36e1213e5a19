import { Alert, Button, Card, Checkbox, DatePicker, Descriptions, Form, Input, Select, Space, Spin, Table, Tabs, Tag, Timeline, Typography } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useParams } from 'react-router-dom'
import type { Page } from '../../lib/api'
import { api } from '../../lib/api'
import { wanToFen, ymd } from '../../lib/format'
import { ACCEPTANCE_STATE, basisText, DEADLINE_KIND, DEPARTMENT, ENTRY_KIND, EXPENDITURE_CATEGORY, HISTORY_ACTION, LEVEL, label, options, RULE, STATE, TYPE } from '../../lib/labels'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { DaysLeft } from '../../components/DaysLeft'
import { FormModalButton } from '../../components/FormModalButton'
import { Money } from '../../components/Money'
import { ProblemAlert } from '../../components/ProblemAlert'
import { useStreetName } from '../../components/StreetSelect'
import type { Milestone, Project } from './api'
import { getHistory, getMilestones, getProject } from './api'
import { ProjectActions } from './ProjectActions'
import { EditMilestoneButton, mayEditMilestones } from './Milestones'
import { Documents } from '../communities/CommunityPage'
import { RepaymentButton } from '../funding/actions'
import { ProjectAlerts } from '../alerts/ProjectAlerts'

interface Indicator { code: string; scenario: string; kind: string; title_zh: string }
interface Catalogue { version: number; indicators: Indicator[] }
interface Evaluation {
  id: string; catalogue_version: number; indicators: Record<string, { met: boolean; evidence: string }>
  standard_met: number; standard_total: number; all_standard_met: boolean; gaps: unknown[]; recorded_at: string
}
interface Acceptance { id: string; level: string; state: string; applied_on: string; pending_departments: string[] }
interface Entry { id: number; kind: string; amount_fen: number; rules: string[]; basis: string; year: number; at: string; reason?: string | null; reference?: string | null }
interface Funding {
  award_fen: number; entitlement_fen: number; paid_fen: number; repaid_fen: number; recovered_fen: number; offset_fen: number
  recovery_due_fen: number; cash_at_street_fen: number; street_borne_fen: number; final_expenditure_fen: number | null
  level_reached: string | null; entries: Entry[]
}
interface Expenditure { id: number; category: string; amount_fen: number; eligible: boolean; reported_on: string; note: string }
interface Expenditures extends Page<Expenditure> { eligible_fen: number }
interface Deadline { key: string; kind: string; due_on: string; days_left: number; breached: boolean; resolved: boolean }

function History({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['registry', 'history', id], queryFn: () => getHistory(id) })
  if (q.error) return <ProblemAlert error={q.error} />
  return (
    <Timeline data-testid="project-timeline" items={(q.data ?? []).map((h) => ({
      children: (
        <div>
          <Typography.Text strong>{label(HISTORY_ACTION, h.action)}</Typography.Text>
          <span>　{h.from_state ? `${label(STATE, h.from_state)} → ` : ''}{label(STATE, h.to_state)}</span>
          <div><Typography.Text type="secondary">{ymd(h.on ?? h.at)} · {h.by}</Typography.Text></div>
          {h.note && <div>{h.note}</div>}
        </div>
      ),
    }))} />
  )
}

function Milestones({ project }: { project: Project }) {
  const qc = useQueryClient()
  const session = useSession()
  const q = useQuery({ queryKey: ['registry', 'milestones', project.id], queryFn: () => getMilestones(project.id) })
  const mayEdit = mayEditMilestones(session, project)
  const changed = () => {
    qc.invalidateQueries({ queryKey: ['registry', 'milestones', project.id] })
    qc.invalidateQueries({ queryKey: ['registry', '/deadlines'] }) // a milestone is followed as a deadline
    qc.invalidateQueries({ queryKey: ['registry', '/board'] })
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card size="small" title="时间节点" extra={mayEdit &&
        <FormModalButton<{ title: string; planned_on: { format: (f: string) => string } }> label="添加节点" title="添加时间节点"
          onSubmit={(v) => api('registry', `/projects/${project.id}/milestones`, { json: { title: v.title, planned_on: v.planned_on.format('YYYY-MM-DD') } })}
          onDone={changed}>
          <Form.Item name="title" label="节点名称" rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="planned_on" label="计划完成日期" rules={[{ required: true }]}><DatePicker format="YYYY-MM-DD" /></Form.Item>
        </FormModalButton>}>
        {q.error && <ProblemAlert error={q.error} />}
        <Table<Milestone> size="small" rowKey="id" pagination={false} dataSource={q.data ?? []} columns={[
          { title: '节点', dataIndex: 'title' },
          { title: '计划日期', dataIndex: 'planned_on', render: ymd },
          { title: '实际完成', dataIndex: 'actual_on', render: (d: string | null) => d ? <>{ymd(d)} <Tag color="green">已完成</Tag></> : '—' },
          ...(mayEdit ? [{ title: '操作', key: 'op', render: (_: unknown, m: Milestone) => <EditMilestoneButton milestone={m} onDone={changed} /> }] : []),
        ]} />
      </Card>
      <Card size="small" title="期限">
        <CursorTable<Deadline> service="registry" path="/deadlines" query={{ project_id: project.id }} rowKey="key"
          pageSize={10} size="small" columns={[
            { title: '期限', dataIndex: 'kind', render: (k: string) => label(DEADLINE_KIND, k) },
            { title: '到期日', dataIndex: 'due_on', render: ymd },
            { title: '剩余天数', dataIndex: 'days_left', render: (d: number, r) => r.resolved ? '—' : <DaysLeft days={d} /> },
            { title: '状态', render: (_: unknown, d) => d.breached ? <Tag color="red">已超期</Tag> : d.resolved ? <Tag>已完成</Tag> : <Tag color="blue">进行中</Tag> },
          ]} />
      </Card>
      <Card size="small" title="预警提醒" data-testid="project-alerts">
        <ProjectAlerts projectId={project.id} />
      </Card>
    </Space>
  )
}

function EvaluationTab({ project }: { project: Project }) {
  const qc = useQueryClient()
  const session = useSession()
  const catalogue = useQuery({ queryKey: ['inspection', 'catalogue'], queryFn: () => api<Catalogue>('inspection', '/scenario-catalogue') })
  const evals = useQuery({
    queryKey: ['inspection', 'evaluations', project.id],
    queryFn: () => api<Page<Evaluation>>('inspection', `/projects/${project.id}/evaluations`, { query: { limit: 1 } }),
    retry: false,
  })
  const latest = evals.data?.items[0]
  const indicators = catalogue.data?.indicators ?? []
  const canRecord = session.role === 'street' || session.role === 'district_office'
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {evals.error && <ProblemAlert error={evals.error} />}
      {latest ? (
        <Alert type={latest.all_standard_met ? 'success' : 'warning'} showIcon data-testid="evaluation-summary"
          message={`最近评价：标配指标达标 ${latest.standard_met} / ${latest.standard_total}（${ymd(latest.recorded_at)}，目录第 ${latest.catalogue_version} 版）`} />
      ) : <Alert type="info" message="尚未记录三化九场景评价" />}
      {canRecord && catalogue.data && (
        <FormModalButton<Record<string, boolean | string>> label="记录评价" title="三化九场景评价（自评）" width={720}
          buttonProps={{ type: 'primary' }}
          initialValues={Object.fromEntries(indicators.map((i) => [`met_${i.code}`, latest?.indicators[i.code]?.met ?? false]))}
          onSubmit={(v) => api('inspection', `/projects/${project.id}/evaluations`, {
            json: { indicators: Object.fromEntries(indicators.map((i) => [i.code, { met: !!v[`met_${i.code}`], evidence: String(v[`ev_${i.code}`] ?? '') }])) },
          })}
          onDone={() => qc.invalidateQueries({ queryKey: ['inspection'] })}>
          <Form.Item noStyle shouldUpdate>
            {(form) => (
              <Button size="small" style={{ marginBottom: 12 }}
                onClick={() => form.setFieldsValue(Object.fromEntries(indicators.filter((i) => i.kind === 'standard').map((i) => [`met_${i.code}`, true])))}>
                标配指标全部达标
              </Button>
            )}
          </Form.Item>
          {indicators.map((i) => (
            <Space key={i.code} align="baseline" style={{ display: 'flex' }}>
              <Form.Item name={`met_${i.code}`} valuePropName="checked" style={{ marginBottom: 8 }}>
                <Checkbox>{i.scenario} · {i.title_zh} {i.kind === 'standard' ? <Tag color="blue">标配</Tag> : <Tag>选配</Tag>}</Checkbox>
              </Form.Item>
              <Form.Item name={`ev_${i.code}`} style={{ marginBottom: 8 }}><Input placeholder="佐证材料" size="small" /></Form.Item>
            </Space>
          ))}
        </FormModalButton>
      )}
      <Table<Indicator> size="small" rowKey="code" pagination={false} dataSource={indicators} columns={[
        { title: '场景', dataIndex: 'scenario' },
        { title: '指标', dataIndex: 'title_zh' },
        { title: '类别', dataIndex: 'kind', render: (k: string) => k === 'standard' ? '标配' : '选配' },
        { title: '达标', dataIndex: 'code', render: (c: string) => latest ? (latest.indicators[c]?.met ? <Tag color="green">达标</Tag> : <Tag color="red">未达标</Tag>) : '—' },
      ]} />
    </Space>
  )
}

function AcceptancesTab({ project }: { project: Project }) {
  return (
    <>
      <CursorTable<Acceptance> service="inspection" path="/acceptances" query={{ project_id: project.id }} rowKey="id"
        pageSize={10} size="small" columns={[
          { title: '级别', dataIndex: 'level', render: (l: string) => label(LEVEL, l) },
          { title: '申请日期', dataIndex: 'applied_on', render: ymd },
          { title: '状态', dataIndex: 'state', render: (s: string) => label(ACCEPTANCE_STATE, s) },
          { title: '待复核部门', dataIndex: 'pending_departments', render: (d: string[]) => d.length ? d.map((x) => label(DEPARTMENT, x)).join('、') : '—' },
        ]} />
      <Link to={`/acceptance?project_id=${project.id}`}>前往验收页面</Link>
    </>
  )
}

/** The project's reported expenditures (§5.3 categories) and, for its street or the office, the form to report one. */
function ExpendituresSection({ projectId }: { projectId: string }) {
  const session = useSession()
  const qc = useQueryClient()
  // The totals come with any page of the list; the rows are paged on the server by the table below.
  const q = useQuery({ queryKey: ['funding', 'expenditures', projectId],
    queryFn: () => api<Expenditures>('funding', `/projects/${projectId}/expenditures`, { query: { limit: 1 } }) })
  const mayReport = session.role === 'street' || session.role === 'district_office'
  return (
    <Card size="small" title="项目支出" data-testid="expenditures" extra={mayReport && (
      <FormModalButton<{ category: string; amount: string; reported_on: { format: (f: string) => string }; note?: string }>
        label="报送支出" title="报送项目支出" initialValues={{ category: 'construction' }} fieldNames={{ amount_fen: 'amount' }}
        onSubmit={(v) => api('funding', `/projects/${projectId}/expenditures`, { json: {
          category: v.category, amount_fen: wanToFen(v.amount), reported_on: v.reported_on.format('YYYY-MM-DD'), note: v.note ?? '',
        } })}
        onDone={() => qc.invalidateQueries({ queryKey: ['funding'] })}>
        <Form.Item name="category" label="支出类别" rules={[{ required: true }]}>
          <Select aria-label="支出类别" options={options(EXPENDITURE_CATEGORY)} />
        </Form.Item>
        <Form.Item name="amount" label="金额" rules={[{ required: true, message: '请填写金额' },
          { pattern: /^\d+(\.\d{1,6})?$/, message: '请填写金额，例如 350.5' }]}>
          <Input addonAfter="万元" aria-label="支出金额" inputMode="decimal" />
        </Form.Item>
        <Form.Item name="reported_on" label="支出日期" rules={[{ required: true, message: '请选择日期' }]}>
          <DatePicker format="YYYY-MM-DD" style={{ width: '100%' }} aria-label="支出日期" />
        </Form.Item>
        <Form.Item name="note" label="说明"><Input.TextArea rows={2} aria-label="支出说明" /></Form.Item>
      </FormModalButton>
    )}>
      {q.error ? <ProblemAlert error={q.error} /> : (
        <>
          <Typography.Paragraph>合规支出合计：<Money fen={q.data?.eligible_fen ?? 0} /></Typography.Paragraph>
          <CursorTable<Expenditure> service="funding" path={`/projects/${projectId}/expenditures`} rowKey="id" pageSize={20} columns={[
            { title: '日期', dataIndex: 'reported_on', render: ymd },
            { title: '类别', dataIndex: 'category', render: (c: string) => label(EXPENDITURE_CATEGORY, c) },
            { title: '金额', dataIndex: 'amount_fen', render: (a: number) => <Money fen={a} /> },
            { title: '合规', dataIndex: 'eligible', render: (e: boolean) => (e ? '是' : '否') },
            { title: '说明', dataIndex: 'note' },
          ]} />
        </>
      )}
    </Card>
  )
}

export function FundingTab({ projectId }: { projectId: string }) {
  const session = useSession()
  const q = useQuery({ queryKey: ['funding', 'project', projectId], queryFn: () => api<Funding>('funding', `/projects/${projectId}/funding`), retry: false })
  if (q.error) return <ProblemAlert error={q.error} />
  if (!q.data) return <Spin />
  const f = q.data
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions bordered size="small" column={{ xs: 1, md: 2, xl: 4 }} data-testid="project-money" items={[
        { label: '核定奖补', children: <Money fen={f.award_fen} /> },
        { label: '应得金额', children: <Money fen={f.entitlement_fen} /> },
        { label: '最终合规支出', children: <span data-testid="project-final-expenditure"><Money fen={f.final_expenditure_fen} /></span> },
        { label: '街道自担（F5）', children: <span data-testid="project-street-borne"><Money fen={f.street_borne_fen} /></span> },
        { label: '已拨付', children: <span data-testid="project-paid"><Money fen={f.paid_fen} /></span> },
        { label: '已追回', children: <Money fen={f.recovered_fen} /> },
        { label: '已缴回', children: <span data-testid="project-repaid"><Money fen={f.repaid_fen} /></span> },
        { label: '已抵扣', children: <Money fen={f.offset_fen} /> },
        { label: '待追回', children: <Space><span data-testid="project-recovery-due"><Money fen={f.recovery_due_fen} /></span>
          {session.role === 'finance' && f.recovery_due_fen > 0 && <RepaymentButton projectId={projectId} dueFen={f.recovery_due_fen} size="small" />}</Space> },
        { label: '街道实得', children: <Money fen={f.cash_at_street_fen} /> },
      ]} />
      <Table<Entry> size="small" rowKey="id" pagination={false} dataSource={f.entries} columns={[
        { title: '日期', dataIndex: 'at', render: ymd },
        { title: '类别', dataIndex: 'kind', render: (k: string) => label(ENTRY_KIND, k) },
        { title: '金额', dataIndex: 'amount_fen', render: (a: number) => <Money fen={a} /> },
        { title: '依据', dataIndex: 'rules', render: (r: string[]) => <Space direction="vertical" size={0}>{r.map((x) => <span key={x}>{label(RULE, x)}</span>)}</Space> },
        { title: '计算', dataIndex: 'basis', render: basisText },
        { title: '凭证/理由', key: 'ref', render: (_: unknown, e: Entry) => [e.reference, e.reason].filter(Boolean).join('；') || '—' },
      ]} />
      <ExpendituresSection projectId={projectId} />
    </Space>
  )
}

export function ProjectPage() {
  const { id = '' } = useParams()
  const qc = useQueryClient()
  const streetName = useStreetName()
  const q = useQuery({ queryKey: ['registry', 'project', id], queryFn: () => getProject(id) })
  if (q.error) return <ProblemAlert error={q.error} />
  if (!q.data) return <Spin />
  const p = q.data
  const refresh = () => qc.invalidateQueries({ queryKey: ['registry'] })
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={<Typography.Title level={4} className="page-title" data-testid="project-name">{p.name}</Typography.Title>}
        extra={<Tag color="blue" data-testid="project-state">{label(STATE, p.state)}</Tag>}>
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} items={[
          { label: '街道', children: streetName(p.street_code) },
          { label: '类型', children: label(TYPE, p.type) },
          { label: '目标级别', children: label(LEVEL, p.target_level) },
          { label: '已验收级别', children: label(LEVEL, p.accepted_level) },
          { label: '面积', children: `${p.area_ha} 公顷` },
          { label: '生活圈', children: `${p.life_circle_minutes} 分钟` },
          { label: '批复日期', children: ymd(p.approved_on) },
          { label: '创建期限', children: ymd(p.creation_deadline) },
          { label: '任务年度', children: p.task_year ?? '—' },
          { label: '社区', children: <Space wrap>{p.community_ids.map((c) => <Link key={c} to={`/communities/${c}`}>档案</Link>)}</Space> },
        ]} />
        {p.warnings.length > 0 && <Alert type="warning" showIcon message={p.warnings.join('；')} style={{ marginBottom: 12 }} />}
        <ProjectActions project={p} onChanged={refresh} />
      </Card>
      <Card>
        <Tabs items={[
          { key: 'history', label: '创建历程', children: <History id={p.id} /> },
          { key: 'nodes', label: '节点与预警', children: <Milestones project={p} /> },
          { key: 'evaluation', label: '三化九场景评价', children: <EvaluationTab project={p} /> },
          { key: 'acceptance', label: '验收', children: <AcceptancesTab project={p} /> },
          { key: 'money', label: '资金', children: <FundingTab projectId={p.id} /> },
          { key: 'documents', label: '文件', children: (
            <Space direction="vertical" style={{ width: '100%' }} data-testid="project-documents">
              {p.community_ids.map((c) => (
                <Card key={c} size="small" title={<span>社区档案 <Link to={`/communities/${c}`}>查看社区</Link></span>}>
                  <Documents communityId={c} projectId={p.id} />
                </Card>
              ))}
            </Space>
          ) },
        ]} />
      </Card>
    </Space>
  )
}
