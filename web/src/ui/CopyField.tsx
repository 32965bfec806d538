/**
 * A read-only value in a monospace field with a copy button and a spoken
 * "copied" confirmation (clipboard API, or selection and execCommand where
 * the clipboard is refused). `onKept` is told when the value was copied
 * (button or keyboard) or selected by the user. It keeps nothing once
 * unmounted.
 */
import { Copy } from 'lucide-react';
import { useRef, useState } from 'react';

export function CopyField({
  id,
  label,
  value,
  copyLabel,
  copiedText,
  describedBy,
  onKept,
}: {
  id: string;
  label: string;
  value: string;
  copyLabel: string;
  copiedText: string;
  describedBy?: string;
  onKept?(): void;
}) {
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  /** A selection the user made with the keyboard (Shift and the arrows), not the one made on focus. */
  const keptIfSelected = (input: HTMLInputElement) => {
    if ((input.selectionEnd ?? 0) > (input.selectionStart ?? 0)) onKept?.();
  };

  async function copy() {
    onKept?.();
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
          aria-describedby={describedBy}
          onFocus={(event) => event.target.select()}
          onMouseUp={(event) => {
            // A click selects the whole value (the focus did): keep that selection rather than a caret, and count it as kept.
            event.preventDefault();
            if (event.currentTarget.selectionEnd === event.currentTarget.selectionStart) event.currentTarget.select();
            onKept?.();
          }}
          onKeyUp={(event) => event.shiftKey && keptIfSelected(event.currentTarget)}
          onCopy={() => onKept?.()}
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
