import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react'

interface FieldShellProps {
  label: string
  error?: string
  hint?: ReactNode
  children: (ids: { id: string; describedBy?: string; invalid: boolean }) => ReactNode
  className?: string
}

/** Label, control, hint and error wired together (aria-describedby, aria-invalid). */
export function FieldShell({ label, error, hint, children, className }: FieldShellProps) {
  const id = useId()
  const hintId = hint ? `${id}-hint` : undefined
  const errId = error ? `${id}-err` : undefined
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined
  return (
    <div className={`field ${error ? 'field--invalid' : ''} ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy, invalid: !!error })}
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field__error" id={errId} role="alert">
          {error}
        </p>
      )}
    </div>
  )
}

type InputProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: ReactNode }

export function TextField({
  label,
  error,
  hint,
  className,
  ref,
  ...rest
}: InputProps & { ref?: React.Ref<HTMLInputElement> }) {
  return (
    <FieldShell label={label} error={error} hint={hint} className={className}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          ref={ref}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          {...rest}
        />
      )}
    </FieldShell>
  )
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string
  error?: string
  hint?: ReactNode
  ref?: React.Ref<HTMLSelectElement>
}

export function SelectField({ label, error, hint, className, children, ref, ...rest }: SelectProps) {
  return (
    <FieldShell label={label} error={error} hint={hint} className={className}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          ref={ref}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          {...rest}
        >
          {children}
        </select>
      )}
    </FieldShell>
  )
}

type AreaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & {
  label: string
  error?: string
  hint?: ReactNode
  ref?: React.Ref<HTMLTextAreaElement>
}

export function TextAreaField({ label, error, hint, className, ref, ...rest }: AreaProps) {
  return (
    <FieldShell label={label} error={error} hint={hint} className={className}>
      {({ id, describedBy, invalid }) => (
        <textarea
          id={id}
          ref={ref}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          {...rest}
        />
      )}
    </FieldShell>
  )
}

export function CheckboxField({
  label,
  error,
  ref,
  ...rest
}: InputHTMLAttributes<HTMLInputElement> & {
  label: string
  error?: string
  ref?: React.Ref<HTMLInputElement>
}) {
  const id = useId()
  return (
    <div className="field field--check">
      <input id={id} type="checkbox" ref={ref} aria-invalid={error ? true : undefined} {...rest} />
      <label htmlFor={id}>{label}</label>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}

export function FormMessage({ error, success }: { error?: string | null; success?: string | null }) {
  if (error)
    return (
      <p className="form-message form-message--error" role="alert">
        {error}
      </p>
    )
  if (success)
    return (
      <p className="form-message form-message--success" role="status">
        {success}
      </p>
    )
  return null
}
