import { describe, expect, it } from 'vitest'
import { changeLines } from './AuditPage'

describe('audit changes', () => {
  it('shows each field as old → new, masked values as they came', () => {
    expect(changeLines({ name: ['旧名', '新名'], population: [null, 8000], secret: ['***', '***'], tags: [['a'], ['a', 'b']] }))
      .toEqual(['name: 旧名 → 新名', 'population: — → 8000', 'secret: *** → ***', 'tags: ["a"] → ["a","b"]'])
  })
})
