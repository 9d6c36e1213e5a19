import { useState } from 'react'
import { Card, Form, Input, InputNumber, Space, Typography } from 'antd'
import { useQueryClient } from '@tanstack/react-query'
import { Link } from 'react-router-dom'
import { api } from '../../lib/api'
import { useSession } from '../../lib/session'
import { CursorTable } from '../../components/CursorTable'
import { FormModalButton } from '../../components/FormModalButton'
import { StreetSelect, useStreetName } from '../../components/StreetSelect'
import { STREET_KIND, options } from '../../lib/labels'
import { Select } from 'antd'

export interface Community {
  id: string; street_code: string; name: string; address: string; area_ha: number; population: number; households: number
  elderly_share: number; children_share: number; needs: string; features: string; spatial_resources: string
  location?: { lat: number; lon: number } | null; survey_missing: string[]
}

function NewStreetButton() {
  const qc = useQueryClient()
  return (
    <FormModalButton<{ code: string; name: string; kind: string }> label="新建街道" title="新建街道/乡镇"
      initialValues={{ kind: 'subdistrict' }} onSubmit={(v) => api('registry', '/streets', { json: v })}
      onDone={() => qc.invalidateQueries({ queryKey: ['registry'] })}>
      <Form.Item name="code" label="代码" rules={[{ required: true }]}><Input aria-label="街道代码" /></Form.Item>
      <Form.Item name="name" label="名称" rules={[{ required: true }]}><Input aria-label="街道名称" /></Form.Item>
      <Form.Item name="kind" label="类别" rules={[{ required: true }]}><Select options={options(STREET_KIND)} /></Form.Item>
    </FormModalButton>
  )
}

export function CommunityFields({ withStreet }: { withStreet: boolean }) {
  return (
    <>
      {withStreet && <Form.Item name="street_code" label="所属街道" rules={[{ required: true, message: '请选择街道' }]}><StreetSelect /></Form.Item>}
      <Form.Item name="name" label="社区名称" rules={[{ required: true, message: '请填写社区名称' }]}><Input aria-label="社区名称" /></Form.Item>
      <Form.Item name="address" label="地址"><Input /></Form.Item>
      <Space wrap>
        <Form.Item name="area_ha" label="面积（公顷）" rules={[{ required: true }]}><InputNumber min={0.01} aria-label="面积" /></Form.Item>
        <Form.Item name="population" label="人口" rules={[{ required: true }]}><InputNumber min={0} aria-label="人口" /></Form.Item>
        <Form.Item name="households" label="户数" rules={[{ required: true }]}><InputNumber min={0} aria-label="户数" /></Form.Item>
        <Form.Item name="elderly_share" label="60岁以上占比" rules={[{ required: true }]}><InputNumber min={0} max={1} step={0.01} aria-label="60岁以上占比" /></Form.Item>
        <Form.Item name="children_share" label="14岁以下占比" rules={[{ required: true }]}><InputNumber min={0} max={1} step={0.01} aria-label="14岁以下占比" /></Form.Item>
      </Space>
      <Form.Item name="needs" label="居民需求"><Input.TextArea rows={2} aria-label="居民需求" /></Form.Item>
      <Form.Item name="features" label="特色亮点"><Input.TextArea rows={2} aria-label="特色亮点" /></Form.Item>
      <Form.Item name="spatial_resources" label="空间资源（闲置用地、公建）"><Input.TextArea rows={2} aria-label="空间资源" /></Form.Item>
      <Space>
        <Form.Item name={['location', 'lat']} label="纬度"><InputNumber min={-90} max={90} step={0.0001} aria-label="纬度" /></Form.Item>
        <Form.Item name={['location', 'lon']} label="经度"><InputNumber min={-180} max={180} step={0.0001} aria-label="经度" /></Form.Item>
      </Space>
    </>
  )
}

const EDITABLE = ['street_code', 'name', 'address', 'area_ha', 'population', 'households', 'elderly_share',
  'children_share', 'needs', 'features', 'spatial_resources', 'location']

/** Form values → the archive body: only the archive's own fields, no empty location. */
export function communityBody(v: Record<string, unknown>) {
  const loc = v.location as { lat?: number; lon?: number } | undefined
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(v).filter(([k]) => EDITABLE.includes(k)))
  if (loc?.lat === undefined || loc?.lat === null || loc?.lon === undefined || loc?.lon === null) delete body.location
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k]
  return body
}

export function CommunitiesPage() {
  const session = useSession()
  const qc = useQueryClient()
  const streetName = useStreetName()
  const [street, setStreet] = useState<string | undefined>()
  const [name, setName] = useState<string | undefined>()
  const office = session.role === 'district_office'
  return (
    <Card title={<Typography.Title level={4} className="page-title">社区档案（一社一档）</Typography.Title>}
      extra={office && <Space>
        <NewStreetButton />
        <FormModalButton<Record<string, unknown>> label="新建社区" title="新建社区档案" buttonProps={{ type: 'primary' }} width={720}
          onSubmit={(v) => api('registry', '/communities', { json: communityBody(v) })}
          onDone={() => qc.invalidateQueries({ queryKey: ['registry'] })}>
          <CommunityFields withStreet />
        </FormModalButton>
      </Space>}>
      <Space className="filters">
        {session.role !== 'street' && <StreetSelect value={street} onChange={setStreet} />}
        <Input.Search allowClear placeholder="社区名称" onSearch={(v) => setName(v || undefined)} style={{ width: 200 }} aria-label="社区名称搜索" />
      </Space>
      <CursorTable<Community> service="registry" path="/communities" query={{ street_code: street, name_contains: name }} rowKey="id" columns={[
        { title: '社区', dataIndex: 'name', render: (n: string, c) => <Link to={`/communities/${c.id}`}>{n}</Link> },
        { title: '街道', dataIndex: 'street_code', render: streetName },
        { title: '面积（公顷）', dataIndex: 'area_ha' },
        { title: '人口', dataIndex: 'population' },
        { title: '户数', dataIndex: 'households' },
        { title: '摸底缺项', dataIndex: 'survey_missing', render: (m: string[]) => m.length ? m.join('、') : '齐全' },
      ]} />
    </Card>
  )
}
