import { DatePicker, Form, Input, InputNumber, Select, Space, Typography } from 'antd'
import { FormModalButton } from '../../components/FormModalButton'
import { LEVEL, options } from '../../lib/labels'
import type { ActionField } from './actions'
import { actionsFor, transitionBody } from './actions'
import type { Project } from './api'
import { transition } from './api'

/** One form control; Form.Item's value and onChange pass straight through to it. */
function FieldInput({ field, ...control }: { field: ActionField } & Record<string, unknown>) {
  switch (field.kind) {
    case 'date': return <DatePicker {...control} format="YYYY-MM-DD" style={{ width: '100%' }} aria-label={field.label} />
    case 'year': return <InputNumber {...control} min={2000} max={2100} style={{ width: '100%' }} aria-label={field.label} />
    case 'level': return <Select {...control} options={options(LEVEL)} aria-label={field.label} />
    case 'textarea': return <Input.TextArea {...control} rows={3} aria-label={field.label} />
    default: return <Input {...control} aria-label={field.label} />
  }
}

/** The lifecycle buttons this caller may press now, each with its form. */
export function ProjectActions({ project, onChanged }: { project: Project; onChanged: () => void }) {
  const actions = actionsFor(project.allowed_actions)
  if (actions.length === 0) return <Typography.Text type="secondary">当前无可执行的操作</Typography.Text>
  return (
    <Space wrap data-testid="project-actions">
      {actions.map(({ name, spec }) => (
        <FormModalButton<Record<string, unknown>> key={name} label={spec.label} title={spec.label}
          buttonProps={{ type: spec.primary ? 'primary' : 'default', danger: spec.danger }}
          onSubmit={(values) => transition(project.id, project.version, transitionBody(name, values))}
          onDone={onChanged}>
          {spec.confirm && <Typography.Paragraph type="warning">{spec.confirm}</Typography.Paragraph>}
          {spec.fields.map((f) => (
            <Form.Item key={f.name} name={f.name} label={f.label} extra={f.help}
              rules={f.required ? [{ required: true, message: `请填写${f.label}` }] : []}>
              <FieldInput field={f} />
            </Form.Item>
          ))}
        </FormModalButton>
      ))}
    </Space>
  )
}
