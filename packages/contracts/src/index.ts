export * from './chat-frames'
