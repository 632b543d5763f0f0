// Secrets the server answers once and keeps only the hash of: a new user's or a reset's one-time
// password (the person signs in with it once and then chooses their own), and a Developer API token.
import { useState, type ReactNode } from 'react';
import { Button, Dialog, Icon, toast } from '../../ui';

export function OneTimePasswordDialog({
  title,
  name,
  email,
  password,
  onClose,
}: {
  title: string;
  name: string;
  email: string;
  password: string;
  onClose: () => void;
}) {
  return (
    <SecretShownOnceDialog
      title={title}
      description={`Give ${name} these to sign in. The password works once: they choose their own right after.`}
      facts={[{ label: 'Email', value: email }]}
      secret={{ label: 'One-time password', value: password, testId: 'one-time-password', what: 'password' }}
      note="This is the only time it is shown. If it is lost, reset the password to get a new one."
      onClose={onClose}
    />
  );
}

/** A secret shown this once, with a copy button. */
export function SecretShownOnceDialog({
  title,
  description,
  facts = [],
  secret,
  note,
  onClose,
}: {
  title: string;
  description: ReactNode;
  facts?: { label: string; value: string }[];
  secret: { label: string; value: string; testId: string; what: string };
  note: string;
  onClose: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret.value);
      setCopied(true);
      toast.success('Copied');
    } catch {
      toast.error(`Couldn't copy: select the ${secret.what} and copy it by hand.`);
    }
  };
  return (
    <Dialog
      title={title}
      description={description}
      onClose={onClose}
      size="md"
      className="otp-dialog"
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      <dl className="otp-dialog__facts">
        {facts.map((f) => (
          <div key={f.label}>
            <dt>{f.label}</dt>
            <dd>{f.value}</dd>
          </div>
        ))}
        <div>
          <dt>{secret.label}</dt>
          <dd>
            <code className="otp-dialog__password" data-testid={secret.testId}>
              {secret.value}
            </code>
            <Button size="sm" icon={copied ? 'check' : undefined} onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          </dd>
        </div>
      </dl>
      <p className="otp-dialog__note">
        <Icon name="lock" size={14} />
        {note}
      </p>
    </Dialog>
  );
}
