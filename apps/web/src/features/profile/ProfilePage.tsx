import { LinkedMethodsCard } from '../auth/LinkedMethodsCard'
import { AddressesCard } from './AddressesCard'
import { AvatarCard } from './AvatarCard'
import { CardsCard } from './CardsCard'
import { ChatIdentityCard } from './ChatIdentityCard'
import { PasswordCard } from './PasswordCard'
import { ProfileForm } from './ProfileForm'

export function ProfilePage() {
  return (
    <main className="page">
      <header className="page__header">
        <h1>Profile</h1>
      </header>
      <div className="grid-2">
        <div className="stack">
          <AvatarCard />
          <ProfileForm />
          <ChatIdentityCard />
        </div>
        <div className="stack">
          <AddressesCard />
          <CardsCard />
          <PasswordCard />
          <LinkedMethodsCard />
        </div>
      </div>
    </main>
  )
}
