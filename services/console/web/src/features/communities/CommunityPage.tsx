import { useState } from 'react'
import { Button, Card, Descriptions, Progress, Select, Space, Spin, Table, Tabs, Tag, Typography, Upload } from 'antd'
import { UploadOutlined } from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useParams } from 'react-router-dom'
import { api, apiUrl } from '../../lib/api'
import { ymd, ymdhm } from '../../lib/format'
import { DEADLINE_KIND, DOCUMENT_KIND, label, nodeTitle, options, STATE, SURVEY_FIELD } from '../../lib/labels'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { FormModalButton } from '../../components/FormModalButton'
import { DaysLeft } from '../../components/DaysLeft'
import { Money } from '../../components/Money'
import { ProblemAlert } from '../../components/ProblemAlert'
import { uploadWithProgress } from '../../components/UploadWithProgress'
import { useStreetName } from '../../components/StreetSelect'
import type { Community } from './CommunitiesPage'
import { CommunityFields, communityBody } from './CommunitiesPage'

interface Doc { id: string; kind: string; version: number; filename: string; size_bytes: number; note: string; uploaded_by: string; uploaded_at: string; project_id: string | null }
interface Portrait {
  community: Community; documents: Doc[]; projects: { project_id: string; name: string; state: string; next_node?: { kind: string; title: string; due_on: string } | null; days_left?: number | null; rag?: string }[]
  next_deadlines: { kind: string; due_on: string; days_left: number }[]; open_problems: { id: string; text: string; due_on: string | null }[]
  money: Record<string, number>; as_of: string
}
const MONEY_LABEL: Record<string, string> = { approved_fen: '核定奖补', paid_fen: '已拨付', recovery_due_fen: '待追回', repaid_fen: '已缴还', award_fen: '奖补标准' }

/** A community's archive documents (一社一档): every version, upload of a new one, download. From a project's
 * page, an upload is filed as that project's document (``project_id``). */
export function Documents({ communityId, projectId }: { communityId: string; projectId?: string }) {
  const qc = useQueryClient()
  const session = useSession()
  const [kind, setKind] = useState('survey')
  const [pct, setPct] = useState<number | null>(null)
  const [error, setError] = useState<unknown>(null)
  const canUpload = session.role === 'street' || session.role === 'district_office'
  async function upload(file: File) {
    setError(null)
    setPct(0)
    const form = new FormData()
    form.append('file', file)
    form.append('kind', kind)
    if (projectId) form.append('project_id', projectId)
    try {
      await uploadWithProgress(apiUrl('registry', `/communities/${communityId}/documents`), form, setPct)
      await qc.invalidateQueries({ queryKey: ['registry'] })
    } catch (e) {
      setError(e)
    } finally {
      setPct(null)
    }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {canUpload && (
        <Space>
          <Select value={kind} onChange={setKind} options={options(DOCUMENT_KIND)} style={{ width: 160 }} aria-label="文件类别" />
          <Upload showUploadList={false} beforeUpload={(f) => { void upload(f); return false }}
            accept=".pdf,.docx,.xlsx,.jpg,.jpeg,.png,.zip">
            <Button icon={<UploadOutlined />} loading={pct !== null}>上传新版本</Button>
          </Upload>
          {pct !== null && <Progress percent={pct} size="small" style={{ width: 160 }} />}
        </Space>
      )}
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <CursorTable<Doc> service="registry" path={`/communities/${communityId}/documents`} rowKey="id" columns={[
        { title: '类别', dataIndex: 'kind', render: (k: string) => label(DOCUMENT_KIND, k) },
        { title: '版本', dataIndex: 'version', render: (v: number) => `第 ${v} 版` },
        { title: '文件', dataIndex: 'filename' },
        { title: '大小', dataIndex: 'size_bytes', render: (b: number) => `${(b / 1024).toFixed(1)} KB` },
        { title: '上传人', dataIndex: 'uploaded_by' },
        { title: '上传时间', dataIndex: 'uploaded_at', render: ymdhm },
        { title: '下载', dataIndex: 'id', render: (id: string) => <a href={apiUrl('registry', `/documents/${id}/download`)}>下载</a> },
      ]} />
    </Space>
  )
}

function PortraitView({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['registry', 'portrait', id], queryFn: () => api<Portrait>('registry', `/communities/${id}/portrait`) })
  if (q.error) return <ProblemAlert error={q.error} />
  if (!q.data) return <Spin />
  const p = q.data
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">截至 {ymd(p.as_of)}</Typography.Text>
      <Descriptions bordered size="small" column={3} items={Object.entries(p.money).map(([k, v]) => ({ key: k, label: MONEY_LABEL[k] ?? k, children: <Money fen={v} /> }))} />
      <Card size="small" title="创建项目">
        <Table<Portrait['projects'][number]> size="small" rowKey="project_id" pagination={false} dataSource={p.projects} columns={[
          { title: '项目', dataIndex: 'name', render: (n: string, r) => <Link to={`/projects/${r.project_id}`}>{n}</Link> },
          { title: '阶段', dataIndex: 'state', render: (s: string) => label(STATE, s) },
          { title: '下一节点', dataIndex: 'next_node', render: (n: Portrait['projects'][number]['next_node']) => n ? `${nodeTitle(n)} ${ymd(n.due_on)}` : '—' },
          { title: '剩余天数', dataIndex: 'days_left', render: (d: number | null | undefined, r) => <DaysLeft days={d} rag={r.rag} /> },
        ]} />
      </Card>
      <Card size="small" title="临近期限">
        <Table size="small" rowKey={(r) => `${r.kind}-${r.due_on}`} pagination={false} dataSource={p.next_deadlines} columns={[
          { title: '期限', dataIndex: 'kind', render: (k: string) => label(DEADLINE_KIND, k) }, { title: '到期日', dataIndex: 'due_on', render: ymd }, { title: '剩余天数', dataIndex: 'days_left', render: (d: number) => <DaysLeft days={d} /> },
        ]} />
      </Card>
      <Card size="small" title="未关闭问题">
        <Table size="small" rowKey="id" pagination={false} dataSource={p.open_problems} columns={[
          { title: '问题', dataIndex: 'text' }, { title: '期限', dataIndex: 'due_on', render: ymd },
        ]} />
      </Card>
    </Space>
  )
}

export function CommunityPage() {
  const { id = '' } = useParams()
  const qc = useQueryClient()
  const session = useSession()
  const streetName = useStreetName()
  const q = useQuery({ queryKey: ['registry', 'community', id], queryFn: () => api<Community>('registry', `/communities/${id}`) })
  if (q.error) return <ProblemAlert error={q.error} />
  if (!q.data) return <Spin />
  const c = q.data
  const canEdit = session.role === 'street' || session.role === 'district_office'
  return (
    <Card title={<Typography.Title level={4} className="page-title">{c.name}</Typography.Title>}
      extra={canEdit && (
        <FormModalButton<Record<string, unknown>> label="摸底调查 / 修改档案" title="社区摸底调查" width={720}
          initialValues={c as unknown as Record<string, unknown>} buttonProps={{ type: 'primary' }}
          onSubmit={(v) => api('registry', `/communities/${c.id}`, { method: 'PATCH', json: communityBody(v) })}
          onDone={() => qc.invalidateQueries({ queryKey: ['registry'] })}>
          <CommunityFields withStreet={false} />
        </FormModalButton>
      )}>
      <Tabs items={[
        { key: 'archive', label: '一社一档', children: (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Descriptions bordered size="small" column={{ xs: 1, md: 2, xl: 3 }} items={[
              { label: '街道', children: streetName(c.street_code) },
              { label: '地址', children: c.address || '—' },
              { label: '面积', children: `${c.area_ha} 公顷` },
              { label: '人口 / 户数', children: `${c.population} 人 / ${c.households} 户` },
              { label: '60岁以上', children: `${(c.elderly_share * 100).toFixed(1)}%` },
              { label: '14岁以下', children: `${(c.children_share * 100).toFixed(1)}%` },
              { label: '居民需求', children: c.needs || '—' },
              { label: '特色亮点', children: c.features || '—' },
              { label: '空间资源', children: c.spatial_resources || '—' },
              { label: '位置', children: c.location ? `${c.location.lat}, ${c.location.lon}` : '—' },
              { label: '摸底缺项', children: c.survey_missing.length ? c.survey_missing.map((m) => <Tag key={m} color="orange">{label(SURVEY_FIELD, m)}</Tag>) : <Tag color="green">齐全</Tag> },
            ]} />
            <Card size="small" title="档案文件"><Documents communityId={c.id} /></Card>
          </Space>
        ) },
        { key: 'portrait', label: '一社一画像', children: <PortraitView id={c.id} /> },
      ]} />
    </Card>
  )
}
