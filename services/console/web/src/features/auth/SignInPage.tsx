import { useState } from 'react'
import { Alert, Button, Card, Form, Input, Select, Space, Typography } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useSearchParams } from 'react-router-dom'
import { rawFetch } from '../../lib/api'
import { DEPARTMENT, options, ROLE, SCOPE } from '../../lib/labels'
import { ProblemAlert, showProblemOnForm } from '../../components/ProblemAlert'

interface AuthConfig { dev_signin: boolean; oidc: boolean; roles: string[] }
interface DevForm { role: string; street_code?: string; department_code?: string; scope?: string; name?: string }

function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/'
}

export function SignInPage() {
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  const navigate = useNavigate()
  const qc = useQueryClient()
  const [form] = Form.useForm<DevForm>()
  const role = Form.useWatch('role', form)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const config = useQuery({
    queryKey: ['auth-config'],
    queryFn: async () => (await (await rawFetch('/auth/config')).json()) as AuthConfig,
  })

  async function devSignIn(values: DevForm) {
    setBusy(true)
    setError(null)
    try {
      const body: DevForm = { role: values.role, name: values.name || undefined }
      if (values.role === 'street') body.street_code = values.street_code?.trim()
      if (values.role === 'department') body.department_code = values.department_code
      if (values.role === 'integration') body.scope = values.scope
      await rawFetch('/auth/dev-signin', { json: body })
      qc.clear()
      navigate(next, { replace: true })
    } catch (e) {
      showProblemOnForm(form, e)
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div style={{ minHeight: '100%', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 420 }}>
        <Typography.Title level={3}>未来社区 · 区级工作台</Typography.Title>
        {params.get('expired') && (
          <Alert type="info" showIcon style={{ marginBottom: 16 }} data-testid="session-expired"
            message="登录已过期，请重新登录" description="登录后将回到您刚才所在的页面。" />
        )}
        {config.error && <ProblemAlert error={config.error} />}
        {config.data?.oidc && (
          <Button type="primary" block size="large" href={`/auth/login?next=${encodeURIComponent(next)}`}>
            统一身份认证登录
          </Button>
        )}
        {config.data?.dev_signin && (
          <>
            <Alert type="warning" showIcon style={{ margin: '16px 0' }}
              message="开发环境登录" description="仅在 FC_ENV=development 时提供：选择角色与所属范围，由工作台签发本地令牌。" />
            <Form form={form} layout="vertical" onFinish={devSignIn} initialValues={{ role: 'district_office', scope: 'city' }}>
              <Form.Item name="role" label="角色" rules={[{ required: true }]}>
                <Select options={options(ROLE)} aria-label="角色" />
              </Form.Item>
              {role === 'street' && (
                <Form.Item name="street_code" label="街道/乡镇代码" rules={[{ required: true, message: '请填写街道代码' }]}>
                  <Input placeholder="例如 S01" aria-label="街道/乡镇代码" />
                </Form.Item>
              )}
              {role === 'department' && (
                <Form.Item name="department_code" label="部门" rules={[{ required: true, message: '请选择部门' }]}>
                  <Select options={options(DEPARTMENT)} aria-label="部门" />
                </Form.Item>
              )}
              {role === 'integration' && (
                <Form.Item name="scope" label="对接层级" rules={[{ required: true }]}>
                  <Select options={options(SCOPE)} aria-label="对接层级" />
                </Form.Item>
              )}
              <Form.Item name="name" label="姓名（可选）">
                <Input placeholder="记录在操作历史中" />
              </Form.Item>
              <ProblemAlert error={error} />
              <Button type="primary" htmlType="submit" block loading={busy} style={{ marginTop: 12 }}>登录</Button>
            </Form>
          </>
        )}
        {config.data && !config.data.oidc && !config.data.dev_signin && (
          <Alert type="error" message="未配置登录方式" description="请配置 CONSOLE_OIDC_ISSUER 等统一身份认证参数。" />
        )}
        <Space style={{ marginTop: 16 }}><Link to="/public">查看信息公开页</Link></Space>
      </Card>
    </div>
  )
}
