import { useState } from 'react'
import { Button, Form, Modal } from 'antd'
import type { ButtonProps } from 'antd'
import type { FieldNames } from './ProblemAlert'
import { ProblemAlert, showProblemOnForm } from './ProblemAlert'

/** A fresh Idempotency-Key (crypto.randomUUID where the browser has it). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto as Crypto | undefined
  if (c?.randomUUID) return c.randomUUID()
  return `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/**
 * A button that opens a form; on submit it calls the API. A problem is shown inside the form,
 * next to the field it names where it names one, and nothing typed is lost.
 *
 * onSubmit also receives an Idempotency-Key made when the form opens: sending it again after a network
 * error cannot book twice (the service replays its answer), and a refused attempt leaves no trace of it
 * on the service, so the corrected form may reuse it. Each opening of the form gets a new one.
 */
export function FormModalButton<V extends object>({ label, title, children, onSubmit, onDone, buttonProps,
  initialValues, okText = '确定', width, fieldNames }: {
  label: React.ReactNode
  title: string
  children?: React.ReactNode
  onSubmit: (values: V, idempotencyKey: string) => Promise<unknown>
  onDone?: (result: unknown) => void
  buttonProps?: ButtonProps
  initialValues?: Partial<V>
  okText?: string
  width?: number
  /** The API's field → this form's field, where their names differ (amount_fen → amount). */
  fieldNames?: FieldNames
}) {
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [form] = Form.useForm<V>()
  const [key, setKey] = useState(newIdempotencyKey)
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
      const result = await onSubmit(values, key)
      setOpen(false)
      form.resetFields()
      onDone?.(result)
    } catch (e) {
      showProblemOnForm(form, e, fieldNames)
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <Button {...buttonProps} onClick={() => { setError(null); setKey(newIdempotencyKey()); setOpen(true) }}>{label}</Button>
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
