export * from './chat-wire'
export * from './chat-frames'
export * from './bus-events'
export * from './identity-wire'
