/** The live connection indicator: connected, reconnecting (with a pulse) or offline. */
import { useEffect, useState } from 'preact/hooks';
import type { LiveStatus } from '../live';
import { live } from '../live';

const TEXT: Record<LiveStatus, string> = { connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };

export function LiveBadge() {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus(setStatus), []);
  return (
    <span class={`live-badge ${status}`} role="status" aria-live="polite" data-status={status}>
      <span class="dot" aria-hidden="true" />
      {TEXT[status]}
    </span>
  );
}
