// F4 The Messages module: inboxes | conversation list | thread and composer | contact details.
import { useEffect, useState } from 'react';
import { EmptyState } from '../../ui';
import { useNavigation } from '../shell/navigation-store';
import { ConversationList } from './ConversationList';
import { ConversationPane } from './ConversationPane';
import { useConversation } from './conversation-store';
import { InboxSidebar } from './InboxSidebar';

export function MessagesView() {
  const contactId = useNavigation((s) => s.contactId);
  // The details panel starts open where the window leaves the thread enough room.
  const [detailsOpen, setDetailsOpen] = useState(() => window.innerWidth >= 1500);

  useEffect(() => {
    useConversation.getState().open(contactId);
  }, [contactId]);

  return (
    <div className="messages">
      <InboxSidebar />
      <ConversationList />
      {contactId ? (
        <ConversationPane contactId={contactId} detailsOpen={detailsOpen} onToggleDetails={() => setDetailsOpen((o) => !o)} />
      ) : (
        <section className="thread-pane thread-pane--empty" aria-label="Conversation">
          <EmptyState icon="message" title="Pick a conversation">
            Choose one from the list to read it and reply. Press <kbd>J</kbd> / <kbd>K</kbd> to move through the list, <kbd>Ctrl</kbd> <kbd>K</kbd> to search.
          </EmptyState>
        </section>
      )}
    </div>
  );
}
