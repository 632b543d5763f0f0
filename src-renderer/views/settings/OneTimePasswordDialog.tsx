// The one-time password of a new user or a reset, shown once: the server keeps only its hash. The
// person signs in with it once and then chooses their own.
import { useState } from 'react';
import { Button, Dialog, Icon, toast } from '../../ui';

export function OneTimePasswordDialog({ title, name, email, password, onClose }: { title: string; name: string; email: string; password: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(password);
      setCopied(true);
      toast.success('Copied');
    } catch {
      toast.error("Couldn't copy: select the password and copy it by hand.");
    }
  };
  return (
    <Dialog
      title={title}
      description={`Give ${name} these to sign in. The password works once: they choose their own right after.`}
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
        <div>
          <dt>Email</dt>
          <dd>{email}</dd>
        </div>
        <div>
          <dt>One-time password</dt>
          <dd>
            <code className="otp-dialog__password" data-testid="one-time-password">
              {password}
            </code>
            <Button size="sm" icon={copied ? 'check' : undefined} onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          </dd>
        </div>
      </dl>
      <p className="otp-dialog__note">
        <Icon name="lock" size={14} />
        This is the only time it is shown. If it is lost, reset the password to get a new one.
      </p>
    </Dialog>
  );
}
