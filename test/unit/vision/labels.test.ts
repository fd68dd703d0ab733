import { describe, expect, it } from 'vitest';
import { LabelMappingError, mapLabels, normaliseLabel } from '../../../src/main/vision/labels';

describe('mapLabels', () => {
  it("maps the seed BEiT's labels", () => {
    expect(mapLabels({ 0: 'No Mask', 1: 'Mask' })).toEqual(['no_mask', 'mask']);
  });

  it('maps the common data-set spellings', () => {
    expect(mapLabels({ 0: 'with_mask', 1: 'without_mask', 2: 'mask_weared_incorrect' })).toEqual(['mask', 'no_mask', 'incorrect']);
    expect(mapLabels({ 0: 'WithoutMask', 1: 'WithMask' })).toEqual(['no_mask', 'mask']);
  });

  it('orders classes by id, not by key order', () => {
    expect(mapLabels({ 1: 'Mask', 0: 'No Mask' })).toEqual(['no_mask', 'mask']);
  });

  it('lets an explicit override win, by exact or normalised label', () => {
    expect(mapLabels({ 0: 'LABEL_0', 1: 'LABEL_1' }, { LABEL_0: 'no_mask', label_1: 'mask' })).toEqual(['no_mask', 'mask']);
  });

  it('rejects a label it cannot map, naming the file, the id and the label', () => {
    expect(() => mapLabels({ 0: 'cat', 1: 'Mask' }, {}, 'm/config.json')).toThrowError(
      /m\/config\.json: id2label\["0"\] = "cat" does not name a kiosk verdict/,
    );
  });

  it('rejects a model without both mask and no-mask classes', () => {
    expect(() => mapLabels({ 0: 'Mask', 1: 'masked' })).toThrow(LabelMappingError);
  });

  it('rejects gaps in the class numbering', () => {
    expect(() => mapLabels({ 0: 'Mask', 2: 'No Mask' })).toThrow(/0\.\.1/);
  });

  it('refuses labels that name members of a plain object ("constructor", "toString") with a clear error', () => {
    expect(() => mapLabels({ 0: 'Mask', 1: 'constructor' })).toThrow(/"constructor" does not name a kiosk verdict/);
    expect(() => mapLabels({ 0: 'toString', 1: 'No Mask' })).toThrow(LabelMappingError);
    expect(() => mapLabels({ 0: 'Mask', 1: 'hasOwnProperty' }, {})).toThrow(LabelMappingError);
  });

  it('normalises case and punctuation', () => {
    expect(normaliseLabel(' No-Mask ')).toBe('nomask');
  });
});
