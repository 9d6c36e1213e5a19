import { Select } from 'antd'
import type { SelectProps } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { fetchAll } from '../lib/api'

export interface Street { code: string; name: string; kind: string; created_at: string }

export function useStreets() {
  return useQuery({ queryKey: ['registry', 'streets', 'all'], queryFn: () => fetchAll<Street>('registry', '/streets') })
}

export function useStreetName(): (code: string | null | undefined) => string {
  const streets = useStreets()
  return (code) => {
    if (!code) return '—'
    const s = streets.data?.find((x) => x.code === code)
    return s ? s.name : code
  }
}

export function StreetSelect(props: SelectProps) {
  const streets = useStreets()
  return (
    <Select allowClear placeholder="街道/乡镇" style={{ minWidth: 160 }} loading={streets.isPending} showSearch
      optionFilterProp="label" aria-label="街道/乡镇" {...props}
      options={(streets.data ?? []).map((s) => ({ value: s.code, label: `${s.name}（${s.code}）` }))} />
  )
}
