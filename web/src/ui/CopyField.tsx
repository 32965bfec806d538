/**
 * A read-only value in a monospace field with a copy button and a spoken
 * "copied" confirmation (clipboard API, or selection and execCommand where
 * the clipboard is refused). It keeps nothing once unmounted.
 */
import { Copy } from 'lucide-react';
import { useRef, useState } from 'react';

export function CopyField({
  id,
  label,
  value,
  copyLabel,
  copiedText,
}: {
  id: string;
  label: string;
  value: string;
  copyLabel: string;
  copiedText: string;
}) {
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      field.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  }

  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          ref={field}
          className="secret"
          readOnly
          value={value}
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.target.select()}
        />
        <button type="button" onClick={() => void copy()} aria-label={copyLabel}>
          <Copy aria-hidden size={16} />
        </button>
      </div>
      <p role="status" className="copied">
        {copied ? copiedText : ''}
      </p>
    </>
  );
}
