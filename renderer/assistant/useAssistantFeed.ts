import { useContext, useEffect } from 'react';
import { ApiContext } from '../app/context';
import { connectAssistantStore } from './assistantStore';

/** Keeps the assistant store fed from the window's API while the component is mounted. */
export function useAssistantFeed(): void {
  const api = useContext(ApiContext);
  useEffect(() => {
    if (!api) return;
    const feed = connectAssistantStore(api);
    return () => feed.dispose();
  }, [api]);
}
