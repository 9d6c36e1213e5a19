import { useRef, useState } from 'react'
import { Button, DatePicker, Form, Input, Progress, Radio, Typography, Upload } from 'antd'
import type { UploadFile } from 'antd'
import { UploadOutlined } from '@ant-design/icons'
import { api, apiUrl } from '../../lib/api'
import { LEVEL, options } from '../../lib/labels'
import { FormModalButton } from '../../components/FormModalButton'
import { uploadWithProgress } from '../../components/UploadWithProgress'
import type { Project } from '../projects/api'

export interface ResultValues {
  level: string
  passed: boolean
  decided_on: { format: (f: string) => string } | string
  reference: string
  scan?: UploadFile[]
}

/** inspection's ResultIn: passed, level, decided_on (YYYY-MM-DD), reference; document_id only when there is a scan. */
export function resultBody(v: ResultValues, documentId?: string | null): Record<string, unknown> {
  const body: Record<string, unknown> = {
    passed: v.passed,
    level: v.level,
    decided_on: typeof v.decided_on === 'string' ? v.decided_on : v.decided_on.format('YYYY-MM-DD'),
    reference: v.reference.trim(),
  }
  if (documentId) body.document_id = documentId
  return body
}

interface AcceptanceRef { id: string; project_id: string; level: string }

/**
 * A province/city result. An integration posts its own level's result; the district office records one that
 * arrived on paper (纸质批复), any level, with the 文号 and optionally the scanned decision, which is first
 * uploaded to registry as the project's document (kind acceptance_decision) and then cited by its id.
 */
export function ResultButton({ acceptance, paper, onDone }: { acceptance: AcceptanceRef; paper: boolean; onDone: () => void }) {
  const [pct, setPct] = useState<number | null>(null)
  // A scan already uploaded for this file is not uploaded again when the result itself is refused and resent.
  const uploaded = useRef(new Map<string, string>())

  async function uploadScan(file: UploadFile): Promise<string> {
    const known = uploaded.current.get(file.uid)
    if (known) return known
    const project = await api<Project>('registry', `/projects/${acceptance.project_id}`)
    const community = project.community_ids[0]
    const form = new FormData()
    form.append('file', file.originFileObj as File, file.name)
    form.append('kind', 'acceptance_decision')
    form.append('project_id', acceptance.project_id)
    form.append('note', '省市验收纸质批复')
    setPct(0)
    try {
      const doc = await uploadWithProgress<{ id: string }>(apiUrl('registry', `/communities/${community}/documents`), form, setPct)
      uploaded.current.set(file.uid, doc.id)
      return doc.id
    } finally {
      setPct(null)
    }
  }

  async function submit(v: ResultValues, key: string) {
    const scan = v.scan?.[0]
    const documentId = paper && scan ? await uploadScan(scan) : null
    return api('inspection', `/acceptances/${acceptance.id}/result`, {
      json: resultBody(v, documentId), headers: { 'Idempotency-Key': key },
    })
  }

  return (
    <FormModalButton<ResultValues> label={paper ? '登记纸质结果' : '登记验收结果'}
      title={paper ? '登记省市验收结果（纸质批复）' : '登记省市验收结果'} buttonProps={{ type: 'primary', size: 'small' }}
      initialValues={{ passed: true, level: acceptance.level }} onSubmit={submit} onDone={onDone}>
      {paper && <Typography.Paragraph type="secondary">省市验收结果以纸质批复送达时，由区风貌办据批复登记，效果与省市系统回传相同。</Typography.Paragraph>}
      <Form.Item name="level" label="验收级别" rules={[{ required: true, message: '请选择级别' }]}>
        <Radio.Group options={options(LEVEL)} disabled={!paper} aria-label="结果级别" />
      </Form.Item>
      <Form.Item name="passed" label="结果" rules={[{ required: true }]}>
        <Radio.Group options={[{ value: true, label: '通过' }, { value: false, label: '未通过' }]} aria-label="验收结果" />
      </Form.Item>
      <Form.Item name="decided_on" label="决定日期" rules={[{ required: true, message: '请选择日期' }]}>
        <DatePicker format="YYYY-MM-DD" aria-label="决定日期" />
      </Form.Item>
      <Form.Item name="reference" label="批复文号" rules={[{ required: true, whitespace: true, message: '请填写文号' }, { max: 200 }]}>
        <Input aria-label="批复文号" />
      </Form.Item>
      {paper && (
        <Form.Item name="scan" label="批复扫描件（可选）" valuePropName="fileList"
          getValueFromEvent={(e: { fileList: UploadFile[] }) => e.fileList.slice(-1)}
          extra="作为项目文件（验收批复）存入社区档案">
          <Upload beforeUpload={() => false} maxCount={1} accept=".pdf,.jpg,.jpeg,.png">
            <Button icon={<UploadOutlined />}>选择文件</Button>
          </Upload>
        </Form.Item>
      )}
      {pct !== null && <Progress percent={pct} size="small" aria-label="上传进度" />}
    </FormModalButton>
  )
}
