// Keeps one view's crash inside that view: the rest of the app stays usable.
import { Component, type ReactNode } from 'react';
import { Button } from './Button';
import { EmptyState } from './EmptyState';

interface Props {
  children: ReactNode;
  /** What the boundary wraps, for the message ("the Dashboard"). */
  what?: string;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error) {
    console.error(`${this.props.what ?? 'view'} crashed`, error);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="error-boundary">
        <EmptyState
          icon="alert"
          tone="danger"
          title={`Something went wrong in ${this.props.what ?? 'this view'}`}
          action={<Button onClick={() => this.setState({ error: null })}>Try again</Button>}
        >
          {this.state.error.message}
        </EmptyState>
      </div>
    );
  }
}
