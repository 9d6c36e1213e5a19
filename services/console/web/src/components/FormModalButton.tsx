import { useState } from 'react'
import { Button, Form, Modal } from 'antd'
import type { ButtonProps } from 'antd'
import { ProblemAlert, showProblemOnForm } from './ProblemAlert'

/**
 * A button that opens a form; on submit it calls the API. A problem is shown inside the form,
 * next to the field it names where it names one, and nothing typed is lost.
 */
export function FormModalButton<V extends object>({ label, title, children, onSubmit, onDone, buttonProps,
  initialValues, okText = '确定', width }: {
  label: React.ReactNode
  title: string
  children?: React.ReactNode
  onSubmit: (values: V) => Promise<unknown>
  onDone?: (result: unknown) => void
  buttonProps?: ButtonProps
  initialValues?: Partial<V>
  okText?: string
  width?: number
}) {
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [form] = Form.useForm<V>()
  async function submit() {
    let values: V
    try {
      values = await form.validateFields()
    } catch {
      return
    }
    setBusy(true)
    setError(null)
    try {
      const result = await onSubmit(values)
      setOpen(false)
      form.resetFields()
      onDone?.(result)
    } catch (e) {
      showProblemOnForm(form, e)
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <Button {...buttonProps} onClick={() => { setError(null); setOpen(true) }}>{label}</Button>
      <Modal open={open} title={title} onOk={submit} okText={okText} cancelText="取消" confirmLoading={busy}
        onCancel={() => setOpen(false)} destroyOnHidden={false} forceRender width={width}>
        <Form form={form} layout="vertical" initialValues={initialValues}>
          {children}
        </Form>
        {error ? <ProblemAlert error={error} /> : null}
      </Modal>
    </>
  )
}
