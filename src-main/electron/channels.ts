// The two IPC channels between the preload and main. Pure: the preload bundle and main share it.

/** renderer → main: one desktop API call ({ kind, name, input }), answered with a Reply. */
export const CALL_CHANNEL = 'desktop:call';
/** main → renderer: (name, payload) of a desktop API event. */
export const EVENT_CHANNEL = 'desktop:event';
