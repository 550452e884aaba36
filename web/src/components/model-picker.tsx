/** The dataset (semantic model) the view reads, kept in the URL as ?model=. */
import type { ModelInfo } from '../api';

export function ModelPicker({ models, value, onChange }: { models: ModelInfo[]; value: string; onChange: (name: string) => void }) {
  if (models.length < 2) return null;
  return (
    <label class="model-picker">
      <span class="sr-only">Dataset</span>
      <select aria-label="Dataset" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {models.map((m) => (
          <option key={m.name} value={m.name}>
            {m.label}
          </option>
        ))}
      </select>
    </label>
  );
}
