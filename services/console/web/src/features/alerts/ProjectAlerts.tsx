import { Alert as AntAlert, Tag, Typography } from 'antd'
import { CursorTable } from '../../components/CursorTable'
import { ymdhm } from '../../lib/format'
import { ALERT_TYPE, label } from '../../lib/labels'
import type { Role } from '../../lib/session'
import { useSession } from '../../lib/session'
import type { Alert } from './api'
import { ALERT_LEVEL, alertLevel } from './api'

/** Roles with an alert inbox notify lets read (InboxReader); a department or an integrator has none. */
export const ALERT_READERS: Role[] = ['street', 'district_office', 'finance', 'auditor']

/** A project's alerts from notify, read-only and paged on the server: the caller's inbox (an auditor's: every inbox). */
export function ProjectAlerts({ projectId }: { projectId: string }) {
  const session = useSession()
  if (!ALERT_READERS.includes(session.role)) {
    return <AntAlert type="info" showIcon message="预警提醒仅向街道、区风貌办、区财政和审计人员提供" />
  }
  return (
    <CursorTable<Alert> service="notify" path="/alerts" query={{ project_id: projectId }} rowKey="id" pageSize={10}
      size="small" columns={[
        { title: '类型', dataIndex: 'type', render: (t: string) => label(ALERT_TYPE, t) },
        { title: '级别', key: 'level', render: (_: unknown, a: Alert) => {
          const l = ALERT_LEVEL[alertLevel(a)]
          return <Tag color={l.color}>{l.text}</Tag>
        } },
        { title: '内容', dataIndex: 'message', render: (m: string, a: Alert) => (
          <div><Typography.Text strong>{a.title}</Typography.Text><div>{m}</div></div>) },
        { title: '时间', dataIndex: 'created_at', render: ymdhm },
        { title: '状态', dataIndex: 'read', render: (r: boolean) => r ? <Tag>已读</Tag> : <Tag color="red">未读</Tag> },
      ]} />
  )
}
