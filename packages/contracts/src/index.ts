export * from './chat-frames'
export * from './bus-events'
