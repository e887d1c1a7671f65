/** A determinate bar (fraction 0..1) or, when the amount of work is not known yet, an indeterminate one. */
export function ProgressBar({ fraction, label, testId }: { fraction: number | null; label: string; testId?: string }) {
  const percent = fraction === null ? null : Math.round(fraction * 100);
  return (
    <div
      class={`progress${percent === null ? " progress--indeterminate" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      data-testid={testId}
      data-percent={percent ?? ""}
    >
      <span class="progress__fill" style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
