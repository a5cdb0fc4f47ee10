export * from './bus-events'
export * from './chat-frames'
export * from './chat-wire'
export * from './identity-wire'
