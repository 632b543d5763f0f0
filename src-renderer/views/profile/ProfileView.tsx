// Profile: who I am in the workspace, my activity status (F10), and how this machine alerts me
// (F8: per-kind desktop alerts, do-not-disturb, sound), and which kinds the workspace puts in my
// Notification Center (kept by the server, for every device), and signing out on every device.
// Settings the organization's policy locks are shown disabled and marked as managed.
import { useState } from 'react';
import type { LocalPrefs } from '../../../src-shared/desktop/api';
import { NotificationKind, type ChosenStatus, type NotificationPrefs } from '../../../src-shared/model';
import { command, DesktopError, isOfflineError, useQuery } from '../../bridge';
import { Avatar, Button, Dialog, ErrorState, formatDateTime, Icon, LoadingState, STATUS_LABEL, StatusLabel, StatusDot, toast } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { Panel, useServerOnline, ViewHeader } from '../dashboard/layout';
import { useSession } from '../session/session-store';
import { ROLE_LABEL } from '../settings/access';
import { ManagedBadge, RadioCards, Switch } from '../settings/controls';
import { PasswordPanel } from './PasswordPanel';
import './profile.css';

const KIND_SWITCH: Record<NotificationKind, { label: string; description: string }> = {
  comment_mention: { label: 'Comment Mention', description: 'Someone tags you in a comment.' },
  contact_assigned: { label: 'Contact Assigned', description: 'A contact is assigned to you.' },
  new_message_assigned: { label: 'New Message (assigned)', description: 'A contact assigned to you writes in.' },
  new_message_unassigned: { label: 'New Message (unassigned)', description: 'An unassigned contact writes in. Busy workspaces usually leave this off.' },
  needs_attention: {
    label: 'Needs attention',
    description: 'A conversation breaks one of the workspace’s alert rules (supervisors; agents for their own first responses).',
  },
  webhook_paused: { label: 'Webhook Paused', description: 'A webhook endpoint kept failing for 24 hours and was paused (Owners).' },
};
/** A switch per kind, in the model's order. */
const ALERT_KINDS = NotificationKind.options.map((kind) => ({ kind, ...KIND_SWITCH[kind] }));

const STATUS_DESCRIPTION: Record<ChosenStatus, string> = {
  online: 'Available: your team sees you can take conversations.',
  busy: "Your team sees you're busy. You still get everything assigned to you.",
};

export function ProfileView() {
  const me = useSession((s) => s.me);
  const sessionUser = useSession((s) => s.session?.user ?? null);
  const user = me?.user ?? sessionUser;

  return (
    <section className="sv-view profile" aria-labelledby="profile-title">
      <ViewHeader titleId="profile-title" title="Profile" subtitle="Your details, your status, and how this computer alerts you." />
      {!user ? (
        <LoadingState label="Loading your profile…" />
      ) : (
        <div className="profile-grid">
          <Details />
          <div className="profile-stack">
            <StatusPanel />
            <PasswordPanel />
            <NotificationsPanel />
            <NotificationCenterPanel />
            <SessionsPanel />
          </div>
        </div>
      )}
    </section>
  );
}

function Details() {
  const me = useSession((s) => s.me);
  const sessionUser = useSession((s) => s.session?.user ?? null);
  const serverUrl = useSession((s) => s.session?.server_url ?? null);
  const teamsById = useDirectory((s) => s.teamsById);
  const user = (me?.user ?? sessionUser)!;
  const team = user.team_id ? (teamsById.get(user.team_id)?.name ?? '—') : 'No team';

  return (
    <Panel title="Your details" className="profile-details">
      <div className="profile-id">
        <Avatar name={user.name} color={user.avatar_color} size="xl" status={user.status} />
        <div>
          <p className="profile-id__name">{user.name}</p>
          <p className="profile-id__email">{user.email}</p>
        </div>
      </div>
      <dl className="profile-facts">
        <div>
          <dt>Access level</dt>
          <dd>
            <span className={`sv-role sv-role--${user.role}`}>{ROLE_LABEL[user.role]}</span>
          </dd>
        </div>
        <div>
          <dt>Team</dt>
          <dd>{team}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusLabel status={user.status} />
          </dd>
        </div>
        {me?.settings.name && (
          <div>
            <dt>Workspace</dt>
            <dd>{me.settings.name}</dd>
          </div>
        )}
        {serverUrl && (
          <div>
            <dt>Server</dt>
            <dd className="profile-facts__mono">{serverUrl}</dd>
          </div>
        )}
        <div>
          <dt>Member since</dt>
          <dd>{formatDateTime(user.created_at)}</dd>
        </div>
      </dl>
      <p className="profile-note">
        <Icon name="lock" size={14} />
        Your access level, team and restrictions are set by an Owner or a Manager.
      </p>
    </Panel>
  );
}

function StatusPanel() {
  const me = useSession((s) => s.me);
  const sessionUser = useSession((s) => s.session?.user ?? null);
  const refreshMe = useSession((s) => s.refreshMe);
  const online = useServerOnline();
  const user = (me?.user ?? sessionUser)!;
  const [pending, setPending] = useState<ChosenStatus | null>(null);
  const timeout = me?.settings.inactivity_timeout_minutes;

  const choose = async (status: ChosenStatus) => {
    if (status === user.chosen_status || pending) return;
    setPending(status);
    try {
      await command('setStatus', { status });
      await refreshMe();
      toast.success(`Your status is now ${STATUS_LABEL[status]}`);
    } catch (err) {
      toast.error(
        isOfflineError(err)
          ? "You're offline: your status can be changed when the connection returns."
          : `Couldn't change your status: ${(err as Error).message}`,
      );
    } finally {
      setPending(null);
    }
  };

  return (
    <Panel title="Activity status" meta={<StatusLabel status={user.status} />}>
      <RadioCards<ChosenStatus>
        legend="Show me as"
        value={pending ?? user.chosen_status}
        onChange={(s) => void choose(s)}
        disabled={!online || pending !== null}
        columns={2}
        hint={!online ? "You're offline: your status can be changed when the connection returns." : undefined}
        options={(['online', 'busy'] as const).map((s) => ({
          value: s,
          label: STATUS_LABEL[s],
          description: STATUS_DESCRIPTION[s],
          icon: <StatusDot status={s} decorative />,
        }))}
      />
      <p className="profile-note">
        <Icon name="clock" size={14} />
        {user.status === 'offline' && user.chosen_status
          ? `You're shown as offline while you're away; you'll be ${STATUS_LABEL[user.chosen_status]} again when you're back.`
          : `After ${timeout ? `${timeout} minute${timeout === 1 ? '' : 's'}` : 'a while'} without activity on this computer you're shown as offline, ` +
            "and your status returns when you're back."}
      </p>
    </Panel>
  );
}

/** A switch for each notification kind. */
function KindSwitches(props: {
  on: Record<NotificationKind, boolean>;
  disabled: boolean;
  saving: string | null;
  onChange: (kind: NotificationKind, on: boolean) => void;
}) {
  return (
    <div className="profile-switches">
      {ALERT_KINDS.map((k) => (
        <Switch
          key={k.kind}
          label={k.label}
          description={k.description}
          checked={props.on[k.kind]}
          disabled={props.disabled}
          busy={props.saving === k.kind}
          onChange={(on) => props.onChange(k.kind, on)}
        />
      ))}
    </div>
  );
}

function NotificationsPanel() {
  const locked = useSession((s) => s.session?.locked ?? []);
  const stored = useQuery('prefs', {}, []);
  const [local, setLocal] = useState<LocalPrefs | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const prefs = local ?? stored.data;

  const isLocked = (key: string) => locked.includes(key) || locked.includes(`prefs.${key}`);
  const alertsLocked = isLocked('os_alerts');

  const save = async (key: string, patch: Partial<LocalPrefs>) => {
    if (!prefs) return;
    const before = prefs;
    setLocal({ ...prefs, ...patch });
    setSaving(key);
    try {
      setLocal(await command('setPrefs', patch));
    } catch (err) {
      setLocal(before);
      toast.error(
        err instanceof DesktopError && err.code === 'locked' ? 'This setting is managed by your organization.' : `Couldn't save: ${(err as Error).message}`,
      );
    } finally {
      setSaving(null);
    }
  };

  return (
    <Panel title="Notifications" meta="On this computer">
      {stored.loading && !prefs ? (
        <LoadingState label="Loading your notification settings…" />
      ) : !prefs ? (
        stored.error && <ErrorState error={stored.error} onRetry={stored.refresh} what="your notification settings" compact />
      ) : (
        <>
          <div className="profile-group">
            <fieldset aria-describedby={alertsLocked ? 'profile-alerts-managed' : undefined}>
              <legend className="profile-group__legend">Desktop alerts</legend>
              <p className="profile-group__hint">
                Which events raise a notification from your operating system. Everything still arrives in the Notification Center.
                {prefs.do_not_disturb && <strong> Paused while Do not disturb is on.</strong>}
              </p>
              {alertsLocked && <ManagedBadge id="profile-alerts-managed" />}
              <KindSwitches
                on={prefs.os_alerts}
                disabled={alertsLocked}
                saving={saving}
                onChange={(kind, on) => void save(kind, { os_alerts: { ...prefs.os_alerts, [kind]: on } })}
              />
            </fieldset>
          </div>
          <div className="profile-group">
            <fieldset>
              <legend className="profile-group__legend">Interruptions</legend>
              <div className="profile-switches">
                <Switch
                  label="Do not disturb"
                  description="Pause every desktop alert and sound. The bell keeps counting."
                  checked={prefs.do_not_disturb}
                  managed={isLocked('do_not_disturb')}
                  busy={saving === 'do_not_disturb'}
                  onChange={(on) => void save('do_not_disturb', { do_not_disturb: on })}
                />
                <Switch
                  label="Sound"
                  description="Play a sound with each desktop alert."
                  checked={prefs.sound}
                  managed={isLocked('sound')}
                  busy={saving === 'sound'}
                  onChange={(on) => void save('sound', { sound: on })}
                />
              </div>
            </fieldset>
          </div>
        </>
      )}
    </Panel>
  );
}

/** Which kinds the workspace puts in my Notification Center, on every device (kept by the server). */
function NotificationCenterPanel() {
  const online = useServerOnline();
  const stored = useQuery('serverNotificationPrefs', {}, [online], { enabled: online });
  const [local, setLocal] = useState<NotificationPrefs | null>(null);
  const [saving, setSaving] = useState<NotificationKind | null>(null);
  const prefs = local ?? stored.data;

  const save = async (kind: NotificationKind, on: boolean) => {
    if (!prefs) return;
    const before = prefs;
    setLocal({ ...prefs, [kind]: on });
    setSaving(kind);
    try {
      setLocal(await command('setServerNotificationPrefs', { [kind]: on }));
    } catch (err) {
      setLocal(before);
      toast.error(isOfflineError(err) ? "You're offline: this can be changed when the connection returns." : `Couldn't save: ${(err as Error).message}`);
    } finally {
      setSaving(null);
    }
  };

  return (
    <Panel title="Notification Center" meta="For your account">
      {!online && !prefs ? (
        <p className="profile-group__hint">You're offline: these settings are kept by the workspace and can be seen and changed when the connection returns.</p>
      ) : stored.loading && !prefs ? (
        <LoadingState label="Loading your Notification Center settings…" />
      ) : !prefs ? (
        stored.error && <ErrorState error={stored.error} onRetry={stored.refresh} what="your Notification Center settings" compact />
      ) : (
        <div className="profile-group">
          <fieldset>
            <legend className="profile-group__legend">Items in the bell</legend>
            <p className="profile-group__hint">
              Which events the workspace adds to your Notification Center, on every computer. An event left out here raises no desktop alert either.
            </p>
            <KindSwitches on={prefs} disabled={!online} saving={saving} onChange={(kind, on) => void save(kind, on)} />
          </fieldset>
        </div>
      )}
    </Panel>
  );
}

/** Sign out everywhere: for a lost or shared computer. Asks first; this app is signed out too (its cache wiped). */
function SessionsPanel() {
  const online = useServerOnline();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    if (busy) return;
    setAsking(false);
    setError(null);
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await command('signOutEverywhere', {});
      // The session event takes the app to the sign-in screen.
    } catch (err) {
      if (err instanceof DesktopError && err.code === 'unsent_writes') {
        // The same question as a sign-out: send them first, or discard them.
        setBusy(false);
        setAsking(false);
        return useSession.setState({ signOutAsk: { reason: err.message, everywhere: true } });
      }
      setError(
        isOfflineError(err)
          ? "You're offline: signing out everywhere needs a connection to the server."
          : `Couldn't sign out everywhere: ${(err as Error).message}`,
      );
      setBusy(false);
    }
  };

  return (
    <Panel title="Sessions" meta="Every device">
      <div className="profile-group">
        <p className="profile-group__hint">
          Signed in on a computer you no longer use, or one someone else may use? Sign out everywhere ends every session of your account, this one included. You
          then sign in again here.
        </p>
        <Button variant="danger" icon="logout" disabled={!online} onClick={() => setAsking(true)}>
          Sign out everywhere
        </Button>
        {!online && <p className="profile-group__hint">You're offline: this needs a connection to the server.</p>}
      </div>
      {asking && (
        <Dialog
          title="Sign out everywhere?"
          description={
            'Every computer signed in to your account is signed out, this one too. ' +
            'Messages and comments on this computer that have not been sent yet are lost.'
          }
          onClose={close}
          onSubmit={() => void confirm()}
          size="sm"
          footer={
            <>
              <Button onClick={close} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" variant="danger" icon="logout" busy={busy}>
                Sign out everywhere
              </Button>
            </>
          }
        >
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </Dialog>
      )}
    </Panel>
  );
}
